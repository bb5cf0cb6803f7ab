"""Controllers: HTTP in, HTTP out. They parse, call one service function and render."""
