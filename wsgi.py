"""Entry point: `flask --app wsgi ...`, `python wsgi.py` (development server), or gunicorn `wsgi:app`."""
from helpdesk import create_app
from helpdesk.extensions import socketio
from helpdesk.sla.background import start_sla_sweeper

app = create_app()
# SLA warnings and breaches are swept in this process unless a `flask sla worker` does it (REDIS_URL set).
start_sla_sweeper(app, socketio)

if __name__ == "__main__":
    import os

    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "5000"))
    print(f" * Helpdesk on http://{host}:{port}/  (Ctrl+C to stop)", flush=True)
    # No Werkzeug debugger: its interactive console would sit on /console, the agents' page.
    socketio.run(app, host=host, port=port, debug=False, use_reloader=False, allow_unsafe_werkzeug=True)
