#!/usr/bin/env python
"""The maintainers' release helper: tags a version and drafts its GitHub release."""
import os
import sys

token = os.environ["GITHUB_TOKEN"]

if __name__ == "__main__":
    print(f"releasing {sys.argv[1]} with a token of {len(token)} characters")
