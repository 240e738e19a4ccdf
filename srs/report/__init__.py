"""The progress report: pictures of the student's progress, as a page (`srs report`) and
in the terminal (`srs stats`). `data` gathers the numbers; `charts`, `html` and `text`
draw them."""
