"""Where uploads live and how they are read: content-addressed blobs, tables, archives."""
