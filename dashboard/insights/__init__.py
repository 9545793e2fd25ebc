"""Pure analysis for the overview: anomalies, movers and launches (no I/O, no Streamlit)."""
