"""`python -m course_utils.figures`: redraw images/ and sync the notebooks' attachments."""

from course_utils.figures import main

main()
