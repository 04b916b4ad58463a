"""What a running atdesk tells its operators: counters, request and case ids in the logs.

A low layer (below audit and jobs, above only config and the domain), so the pipeline, the job
runner and the outbox can count their work with one line where it happens (ADR 100).
"""
