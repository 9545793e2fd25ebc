"""Pure chart builders: frame in, Vega-Lite spec out (no Streamlit, no I/O); see ``vega``."""
