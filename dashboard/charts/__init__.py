"""Pure plotly figure builders: frame in, figure out (no Streamlit, no I/O)."""
