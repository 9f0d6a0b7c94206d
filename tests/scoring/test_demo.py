"""scoring/demo.py: the demo's ratings and costs to serve, drawn from the seed."""

from collections import Counter

from accounts import demo as accounts_demo
from scoring import demo


def test_demo_ratings_are_plausible_and_the_same_for_the_same_seed():
    clients = accounts_demo.demo_programme(lines=100).clients
    levels = [demo.demo_rating(7, item, "fit") for item in clients]
    assert levels == [demo.demo_rating(7, item, "fit") for item in clients]
    assert levels != [demo.demo_rating(8, item, "fit") for item in clients]
    assert set(levels) <= {1, 2, 3, 4, 5}
    assert len(Counter(levels)) >= 3
    biggest = max(clients, key=lambda item: item.weight)
    smallest = min(clients, key=lambda item: item.weight)
    criteria = [f"criterion-{number}" for number in range(40)]

    def mean(item):
        return sum(demo.demo_rating(7, item, code) for code in criteria) / len(criteria)

    assert mean(biggest) > mean(smallest)


def test_demo_costs_to_serve_grow_with_the_client():
    clients = accounts_demo.demo_programme(lines=100).clients
    costs = {item.external_id: demo.demo_cost_to_serve(7, item) for item in clients}
    assert all(0.2 <= share <= 1.0 and travel > 0 for share, travel, _ in costs.values())
    biggest = max(clients, key=lambda item: item.weight)
    smallest = min(clients, key=lambda item: item.weight)
    assert costs[biggest.external_id][0] > costs[smallest.external_id][0]
