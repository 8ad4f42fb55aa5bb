"""`python -m extraction ...` is `vnict extract ...`."""
from .cli import main

main()
