"""The production server (`gunicorn -c gunicorn.conf.py wsgi:app`; `make production` runs it).

gevent workers, as Flask-SocketIO documents for many concurrent websockets: each agent's console
holds one websocket for the whole day, and a gevent worker holds thousands of them (a greenlet
each) where a thread-per-connection worker holds as many as it has threads. psycopg 3 and redis-py
cooperate with gevent's patched sockets, so a query or a publish never blocks the other
connections. Several worker processes share the live events through Redis (REDIS_URL); the
consoles connect by websocket first, which needs no sticky sessions between them (the long-polling
fallback does: see deploy/nginx.conf).
"""
import os

bind = f"{os.environ.get('HOST', '0.0.0.0')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_PROCESSES", "2"))
worker_class = "gevent"
worker_connections = int(os.environ.get("WORKER_CONNECTIONS", "2000"))  # websockets + requests per process
timeout = 60  # a gevent worker only misses its heartbeat when a request hogs the CPU that long
graceful_timeout = 20
keepalive = 5
accesslog = os.environ.get("ACCESS_LOG") or None  # "-" for stdout
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info")
