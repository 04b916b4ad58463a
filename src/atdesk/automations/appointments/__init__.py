"""Appointments: the book of visits, resources and rescheduling offers."""
