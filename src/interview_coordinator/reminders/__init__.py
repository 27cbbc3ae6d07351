"""Email reminders: planning the deliveries, dispatching the due ones, rendering emails.

Planning (``planning``) keeps one ``ReminderDelivery`` row per scheduled
moment and send time; dispatch (``dispatch``) claims due rows and sends them
exactly once; ``emails`` renders the messages and their calendar attachment.
"""
