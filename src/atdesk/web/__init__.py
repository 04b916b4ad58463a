"""The FastAPI app: server-rendered agent UI, REST API and inbound webhooks."""
