"""KAM Audit Workbench library."""
