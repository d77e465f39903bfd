"""Probabilistic identity resolution (pure: NumPy and RapidFuzz, no database, no web).

``table`` turns normalised records into columns, ``blocking`` proposes candidate pairs,
``comparisons`` grades each pair field by field, ``model`` holds the Fellegi–Sunter weights (m and u
estimated from the data by EM) and scores pairs with their evidence, ``clustering`` groups records
into customers with a guard against chaining.
"""
