"""`helhed worker`: the background worker (django-tasks' database backend). Run one or more per install;
workers claim tasks with row locks, so more processes mean more throughput."""

from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand


class Command(DbWorkerCommand):
    help = "Run Helhed's background worker (processes queued tasks from the database)."
