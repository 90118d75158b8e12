"""The model's rules: scenario schema, graphs, consumer state, eWOM, strategies, desire, KPIs."""
