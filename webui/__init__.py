"""The web UI's parts: per-user sessions (sessions.py), escaped rendering (render.py), UI callbacks (callbacks.py)
and the gradio_client API (api.py). app.py at the repo root lays the page out and wires these to it."""
