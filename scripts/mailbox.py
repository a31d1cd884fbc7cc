"""The workflows' SNS notifications on the local emulator, read through an SQS queue subscribed to their topics.

moto delivers SNS messages to SQS subscriptions (not to e-mail addresses): the demo and the end-to-end tests subscribe
one queue to the topics they watch and read what a subscriber's mailbox would receive.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any


@dataclass
class Message:
    topic_arn: str
    subject: str
    text: str

    @property
    def topic(self) -> str:
        return self.topic_arn.rsplit(":", 1)[-1]


class Mailbox:
    """Every message published to ``topic_arns`` after the subscription, in arrival order."""

    def __init__(self, sqs: Any, sns: Any, topic_arns: list[str], queue_name: str) -> None:
        self.sqs = sqs
        self.queue_url = sqs.create_queue(QueueName=queue_name)["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=self.queue_url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        for topic in topic_arns:
            sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
        self.messages: list[Message] = []

    def fetch(self) -> None:
        """Move what has arrived from the queue into ``messages``."""
        while True:
            received = self.sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10).get("Messages", [])
            if not received:
                return
            for raw in received:
                body = json.loads(raw["Body"])
                self.messages.append(Message(body.get("TopicArn", ""), body.get("Subject", ""), body["Message"]))
                self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=raw["ReceiptHandle"])

    def about(self, text: str, *, subject: str = "", timeout: float = 10) -> list[Message]:
        """The messages whose text contains ``text`` (and whose subject contains ``subject``); waits for the first."""
        deadline = time.monotonic() + timeout
        while True:
            self.fetch()
            found = [m for m in self.messages if text in m.text and subject in m.subject]
            if found or time.monotonic() > deadline:
                return found
            time.sleep(0.2)
