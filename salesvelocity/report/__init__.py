"""Results out: terminal tables, JSON/CSV and the self-contained HTML report."""
