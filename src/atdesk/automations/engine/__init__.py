"""The rule engine: rules, conditions, evaluation, brand settings and the automation stage."""
