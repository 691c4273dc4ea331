"""How consumer services are laid out in stacks: names and descriptions (found by make mutate)."""

from kafka_platform.domain.stack_layout import consumer_stack_description, consumer_stack_id


def test_each_consumer_stack_says_whose_services_it_holds():
    assert consumer_stack_description("Consumers") == "Kafka consumer services scaled on lag"
    assert consumer_stack_description(consumer_stack_id("lending")) == \
        "Kafka consumer services of team lending, scaled on lag"
    assert consumer_stack_id(None) == "Consumers" and consumer_stack_id("risk") == "Consumers-risk"


from dataclasses import dataclass  # noqa: E402

from kafka_platform.domain.stack_layout import MAX_SERVICES_PER_STACK, consumer_stacks, layout_problems  # noqa: E402


@dataclass(frozen=True)
class Service:
    name: str
    team: str | None = None


def test_services_are_grouped_by_their_teams_stack_the_default_first():
    services = [Service("a", "risk"), Service("b"), Service("c", "risk")]
    assert consumer_stacks(services) == {"Consumers": [Service("b")], "Consumers-risk": [Service("a", "risk"),
                                                                                         Service("c", "risk")]}
    assert consumer_stacks([]) == {"Consumers": []}


def test_a_stack_holds_25_services_and_each_one_over_is_named():
    full = [Service(f"s{i:02d}", "risk") for i in range(MAX_SERVICES_PER_STACK)]
    assert MAX_SERVICES_PER_STACK == 25 and layout_problems(full) == []
    over = full + [Service("s25", "risk"), Service("s26", "risk")]
    assert layout_problems(over) == [(f"s{n}", (
        f"is service {n + 1} of the 27 team risk, but one stack (Consumers-risk) holds at most 25 (500 resources); "
        "give this service a team of its own, such as the team's name with a suffix (a service that already runs is "
        "replaced when it moves, so move the newest ones)")) for n in (25, 26)]
    teamless = [Service(f"t{i:02d}") for i in range(26)]
    [(name, message)] = layout_problems(teamless)
    assert name == "t25" and message.startswith("is service 26 of the 26 services without a team, but one stack "
                                                "(Consumers) holds at most 25")
