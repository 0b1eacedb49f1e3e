"""One module per lab; each defines make(), which writes that lab's notebooks."""
