"""The CS231n course package for assignment 2."""
