"""Live events on the Socket.IO namespace /console: who may connect, which rooms, and emitting after commit."""
