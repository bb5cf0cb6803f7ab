"""Video providers: one module per provider behind one protocol. Leaves: they speak the provider's HTTP only."""
