"""How consumer services are laid out in stacks: names and descriptions (found by make mutate)."""

from kafka_platform.domain.stack_layout import consumer_stack_description, consumer_stack_id


def test_each_consumer_stack_says_whose_services_it_holds():
    assert consumer_stack_description("Consumers") == "Kafka consumer services scaled on lag"
    assert consumer_stack_description(consumer_stack_id("lending")) == \
        "Kafka consumer services of team lending, scaled on lag"
    assert consumer_stack_id(None) == "Consumers" and consumer_stack_id("risk") == "Consumers-risk"
