"""The Celery app. Task modules are discovered in every installed app."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dispatch_center.settings")

app = Celery("dispatch_center")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
