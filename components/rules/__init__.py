"""The maths of learning as pure functions of arrays, shared by every component.

No Context is needed to use or test anything here.
"""
