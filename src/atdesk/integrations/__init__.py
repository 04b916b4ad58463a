"""Hand-offs to other systems: CRM identity, callbacks, appointments, Open311, outbound webhooks."""
