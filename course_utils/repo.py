"""Where the course lives on GitHub: the one place its slug is set.

Badges and the Colab setup cell in every notebook use it. For a fork, run
`make fork REPO=you/your-fork`, which rewrites this file and every notebook.
"""

GITHUB_REPO = "ground-up-ml/finetuning-from-the-ground-up"
BRANCH = "main"
