"""The start-ahead handshake between the host, the supervisor and the harness: started with HOLD,
they bring up the interpreter and the kernel, then wait for the line GO on stdin before the first
cell (end of input instead cancels the run). Only the first process passes it on."""

HOLD = "--hold"
GO = b"go\n"
