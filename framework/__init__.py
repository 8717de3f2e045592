"""Shared Measures: the domain package. It never imports streamlit, except in framework/streamlit_glue.py."""
