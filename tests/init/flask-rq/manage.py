#!/usr/bin/env python
"""The app's command line: Flask's, with an `rq` group (worker, scheduler)."""
import click
from flask.cli import FlaskGroup

from app import create_app


@click.group(cls=FlaskGroup, create_app=create_app)
def manager():
    pass


@manager.group()
def rq():
    """Background jobs."""


@rq.command()
@click.argument("queues", nargs=-1)
def worker(queues):
    from rq import Worker

    Worker(queues or ["default"]).work()


@rq.command()
def scheduler():
    from rq.scheduler import RQScheduler

    RQScheduler(["default"]).work()


if __name__ == "__main__":
    manager()
