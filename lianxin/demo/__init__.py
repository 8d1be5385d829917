"""The demo station (top floor): one module per app's demo data, written only through services."""
