"""Gradio UI (placeholder until the interview UI lands): search the question bank."""

from __future__ import annotations

import os

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import gradio as gr  # noqa: E402

from interviewer.config import get_settings  # noqa: E402
from interviewer.index import Index, ensure_index  # noqa: E402


def search(index: Index, text: str) -> str:
    if not text.strip():
        return "Type a topic or a question."
    hits = index.search(text, k=5)
    return "\n\n".join(f"**{h.question.question}**  \n_{h.question.topic} · difficulty {h.question.difficulty} · {h.score:.2f}_" for h in hits)


def build_ui(index: Index) -> gr.Blocks:
    with gr.Blocks(title="Mock Interviewer") as demo:
        gr.Markdown("# Mock Interviewer\nSearch the question bank.")
        query = gr.Textbox(label="Topic or question", elem_id="query")
        results = gr.Markdown(elem_id="results")
        query.submit(lambda text: search(index, text), query, results, api_name="search")
    return demo


def main() -> None:
    settings = get_settings()
    demo = build_ui(ensure_index(settings))
    demo.queue(default_concurrency_limit=settings.concurrency).launch(
        server_name=settings.host, server_port=settings.port, share=False, show_error=True
    )


if __name__ == "__main__":
    main()
