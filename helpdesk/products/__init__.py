"""The product catalogue: products, their warranty length, CSV import (admins)."""
