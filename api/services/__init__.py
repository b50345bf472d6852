"""Use cases that span the write and the read side, one place each, for every dialect.

A controller translates its wire shapes to a call here and the result back; a service records
through the ledger, waits for the projections it needs, and reads them.
"""
