"""Neuron, Layer, MLP: structure, labels, seeds, hand-set weights, and parity with torch.nn.Linear."""

import math
import random

import numpy as np
import pytest

from autograd import Value
from nn import MLP, Layer, Neuron, get_activation
from nn.module import Module

torch = pytest.importorskip(
    "torch",
    reason="PyTorch is not installed: these nn parity tests need it (CI installs torch==2.13.0)",
)


def test_parameters_are_each_neurons_weights_then_bias_layer_by_layer():
    model = MLP(2, [3, 1], seed=0)
    labels = [p.label for p in model.parameters()]
    assert labels == [
        "L0.N0.w0", "L0.N0.w1", "L0.N0.b",
        "L0.N1.w0", "L0.N1.w1", "L0.N1.b",
        "L0.N2.w0", "L0.N2.w1", "L0.N2.b",
        "L1.N0.w0", "L1.N0.w1", "L1.N0.w2", "L1.N0.b",
    ]  # fmt: skip
    assert model.num_parameters() == 2 * 3 + 3 + 3 * 1 + 1
    assert [p.label for p in model.weights()] == [
        label for label in labels if not label.endswith(".b")
    ]
    assert [p.label for p in model.biases()] == ["L0.N0.b", "L0.N1.b", "L0.N2.b", "L1.N0.b"]
    assert model.named_parameters()[2] == ("L0.N0.b", model.layers[0].neurons[0].b)


def test_structure_can_be_walked_for_a_drawing():
    model = MLP(3, [4, 2], activation="tanh", output_activation="sigmoid", seed=1)
    assert [(layer.nin, layer.nout, layer.activation) for layer in model.layers] == [
        (3, 4, "tanh"),
        (4, 2, "sigmoid"),
    ]
    neuron = model.layers[1].neurons[1]
    assert len(neuron.w) == 4 and isinstance(neuron.b, Value) and neuron.activation == "sigmoid"
    assert model.sizes == [3, 4, 2] and model.nout == 2


def test_micrograd_demo_shape_returns_a_value_and_starts_with_zero_biases():
    model = MLP(2, [16, 16, 1], seed=0)
    out = model([0.5, -1.0])
    assert isinstance(out, Value)
    assert model.num_parameters() == 337  # micrograd's MLP(2, [16, 16, 1]) has 337 parameters
    assert all(b.data == 0.0 for b in model.biases())
    assert [layer.activation for layer in model.layers] == ["relu", "relu", "linear"]


def test_several_outputs_give_a_list_and_width_one_hidden_layers_are_not_unwrapped():
    outputs = MLP(2, [3, 2], seed=0)([1.0, 2.0])
    assert isinstance(outputs, list) and len(outputs) == 2
    narrow = MLP(2, [16, 1, 1], seed=0)
    assert isinstance(narrow([0.1, 0.2]), Value)
    assert len(narrow.layers[1]([0.0] * 16)) == 1  # a Layer always returns a list


def test_inputs_may_be_values_and_gradients_reach_them():
    x = [Value(0.5), Value(-2.0)]
    neuron = Neuron.from_weights([3.0, 0.25], 1.0, "linear")
    z = neuron(x)
    z.backward()
    assert z.data == 3.0 * 0.5 + 0.25 * -2.0 + 1.0
    assert [xi.grad for xi in x] == [3.0, 0.25]
    assert [w.grad for w in neuron.w] == [0.5, -2.0] and neuron.b.grad == 1.0


def test_same_seed_same_network_and_a_random_instance_works_too():
    a, b, c = MLP(2, [4, 1], seed=7), MLP(2, [4, 1], seed=7), MLP(2, [4, 1], seed=8)
    assert [p.data for p in a.parameters()] == [p.data for p in b.parameters()]
    assert [p.data for p in a.parameters()] != [p.data for p in c.parameters()]
    d = MLP(2, [4, 1], seed=random.Random(7))
    assert [p.data for p in d.parameters()] == [p.data for p in a.parameters()]
    # a seed drawn from numpy is numpy's integer (it was refused: "not int64")
    e = MLP(2, [4, 1], seed=np.int64(7))
    assert [p.data for p in e.parameters()] == [p.data for p in a.parameters()]
    with pytest.raises(TypeError, match="seed must be an int or a random.Random, not bool"):
        MLP(2, [4, 1], seed=np.True_)


def test_init_schemes_draw_from_their_ranges():
    uniform = [w.data for w in MLP(100, [50], init="uniform", seed=0).weights()]
    scaled = [w.data for w in MLP(100, [50], init="scaled", seed=0).weights()]
    assert max(map(abs, uniform)) <= 1.0 and max(map(abs, uniform)) > 0.99
    assert max(map(abs, scaled)) <= 0.1 and max(map(abs, scaled)) > 0.099  # 1 / sqrt(100)
    assert all(w.data == 0.0 for w in MLP(3, [2, 1], init="zeros").parameters())
    with pytest.raises(ValueError, match="unknown init scheme 'gaussian'"):
        MLP(2, [1], init="gaussian")


def test_hand_set_weights_keep_the_same_value_objects():
    layer = Layer(2, 2, "linear", seed=0)
    before = layer.parameters()
    layer.set_weights([[1.0, 2.0], [3.0, 4.0]], [0.5, -0.5])
    assert layer.parameters() == before
    assert [v.data for v in layer([1.0, 1.0])] == [3.5, 6.5]
    weights, biases = layer.to_numpy()
    np.testing.assert_array_equal(weights, [[1.0, 2.0], [3.0, 4.0]])
    np.testing.assert_array_equal(biases, [0.5, -0.5])


def test_from_weights_checks_shapes():
    with pytest.raises(ValueError, match="layer 1 takes 3 inputs but layer 0 has 2 neurons"):
        MLP.from_weights([([[1, 2], [3, 4]], [0, 0]), ([[1, 2, 3]], [0])])
    with pytest.raises(ValueError, match="weight matrix has 1 rows, the layer has 2 neurons"):
        Layer(2, 2).set_weights([[1, 2]], [0, 0])
    with pytest.raises(ValueError, match="number 1 is nan, not finite"):
        Neuron(2).set_weights([1.0, math.nan], 0.0)


def test_wrong_input_length_and_bad_sizes_are_named():
    with pytest.raises(ValueError, match="neuron L0.N0 takes 2 inputs, got 3"):
        MLP(2, [1])([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="nouts is empty"):
        MLP(2, [])
    with pytest.raises(ValueError, match=r"nouts\[1\] must be a positive int"):
        MLP(2, [3, 0])


@pytest.mark.parametrize(
    "name, reference",
    [
        ("relu", torch.relu),
        ("tanh", torch.tanh),
        ("sigmoid", torch.sigmoid),
        ("linear", lambda z: z),
        ("softplus", torch.nn.functional.softplus),
        ("leaky_relu", lambda z: torch.nn.functional.leaky_relu(z, 0.01)),
        (
            "leaky_relu(0.1)",
            lambda z: torch.nn.functional.leaky_relu(z, 0.1),
        ),  # the notes' max(0.1x, x)
        ("elu", lambda z: torch.nn.functional.elu(z, 1.0)),
        ("elu(0.5)", lambda z: torch.nn.functional.elu(z, 0.5)),
    ],
)
def test_activation_by_name_matches_torch(name, reference):
    activation = get_activation(name)
    for z in (-3.0, -0.5, 0.7, 2.5):
        zv = Value(z)
        out = activation(zv)
        out.backward()
        zt = torch.tensor(z, dtype=torch.float64, requires_grad=True)
        reference(zt).backward()
        assert out.data == pytest.approx(
            reference(torch.tensor(z, dtype=torch.float64)).item(), rel=1e-14, abs=1e-15
        )
        assert zv.grad == pytest.approx(zt.grad.item(), rel=1e-12, abs=1e-15)


def test_unknown_activation_lists_the_known_ones():
    with pytest.raises(ValueError, match="unknown activation 'swish'; known: linear, relu, tanh"):
        Neuron(2, "swish")
    with pytest.raises(ValueError, match="parameter must be a finite number"):
        get_activation("elu(abc)")


def test_forward_and_gradients_match_torch_linear_layers():
    model = MLP(3, [5, 4, 2], activation="tanh", output_activation="linear", init="scaled", seed=3)
    torch_layers = []
    for weights, biases in model.to_numpy():
        linear = torch.nn.Linear(weights.shape[1], weights.shape[0]).double()
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(weights))
            linear.bias.copy_(torch.from_numpy(biases))
        torch_layers.append(linear)
    x = [0.3, -1.2, 2.0]
    h = torch.tensor([x], dtype=torch.float64)
    for i, linear in enumerate(torch_layers):
        h = linear(h)
        if i < len(torch_layers) - 1:
            h = torch.tanh(h)
    (h[0, 0] * 2.0 - h[0, 1]).backward()
    out = model(x)
    (out[0] * 2.0 - out[1]).backward()
    np.testing.assert_allclose([o.data for o in out], h[0].detach().numpy(), rtol=1e-13)
    for layer, linear in zip(model.layers, torch_layers):
        grads_w = [[w.grad for w in neuron.w] for neuron in layer.neurons]
        np.testing.assert_allclose(grads_w, linear.weight.grad.numpy(), rtol=1e-11, atol=1e-15)
        np.testing.assert_allclose(
            [b.grad for b in layer.biases()], linear.bias.grad.numpy(), rtol=1e-11, atol=1e-15
        )


def test_zero_grad_resets_accumulated_gradients():
    model = MLP(2, [2, 1], seed=0)
    model([1.0, 1.0]).backward()
    model([1.0, 1.0]).backward()
    assert any(p.grad != 0.0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())
    assert Module().parameters() == []


def test_layer_outputs_are_the_hidden_activations_then_the_output():
    model = MLP.from_weights(
        [([[1.0, 0.0], [0.0, 1.0]], [0.0, 0.0]), ([[1.0, 1.0]], [1.0])], "relu"
    )
    hidden, output = model.layer_outputs([2.0, -3.0])
    assert [v.data for v in hidden] == [2.0, 0.0] and output[0].data == 3.0


def test_repr_names_the_shape():
    assert (
        repr(MLP(2, [16, 16, 1]))
        == "MLP(2, [16, 16, 1], activation='relu', output_activation='linear')"
    )
    assert repr(Neuron(3, "tanh")) == "Neuron(nin=3, activation='tanh')"


def test_a_neuron_given_its_own_activation_inside_a_layer_uses_it():
    layer = Layer(2, 2, "relu", seed=0)
    layer.neurons[0].set_activation("tanh")
    x = [-1.0, -2.0]
    z0 = sum(w.data * xi for w, xi in zip(layer.neurons[0].w, x)) + layer.neurons[0].b.data
    outputs = layer(x)
    assert (
        outputs[0].data == pytest.approx(math.tanh(z0), rel=1e-15) and z0 < 0
    )  # relu would give 0
    assert [o.data for o in outputs] == [neuron(x).data for neuron in layer.neurons]


class Scaled(Module):
    """A module of one's own, written as in PyTorch: it lists no parameters itself."""

    def __init__(self):
        self.body = MLP(3, [4, 1], seed=2)
        self.scale = Value(1.5)
        self.heads = [MLP(1, [1], seed=3), {"shared": self.scale}]

    def __call__(self, x):
        return self.heads[0]([self.body(x)]) * self.scale


def test_a_module_of_ones_own_finds_its_parameters_in_its_attributes():
    net = Scaled()
    body, head = net.body, net.heads[0]
    assert net.parameters() == [*body.parameters(), net.scale, *head.parameters()]
    names = [name for name, _ in net.named_parameters()]
    assert names[:2] == ["body.L0.N0.w0", "body.L0.N0.w1"]
    assert names[len(body.parameters())] == "scale"  # the shared scale once, where first set
    assert names[-2:] == ["heads.0.L0.N0.w0", "heads.0.L0.N0.b"]
    assert len(set(names)) == len(names) == net.num_parameters() == 21 + 1 + 2
    assert net.weights() == [*body.weights(), net.scale, *head.weights()]


def test_the_walk_ends_at_cycles_and_skips_values_made_by_ops():
    # a review: a child holding its parent recursed without end, and a cached output (a graph
    # node) became a "parameter" after the first call
    class Child(Module):
        def __init__(self, parent):
            self.parent, self.w = parent, Value(1.0)

    class Parent(Module):
        def __init__(self):
            self.child, self.v, self.loop = Child(self), Value(2.0), []
            self.loop.append(self.loop)

        def __call__(self, x):
            self.last = self.v * x[0]
            return self.last

    net = Parent()
    assert net.named_parameters() == [("child.w", net.child.w), ("v", net.v)]
    net([3.0])
    assert net.parameters() == [net.child.w, net.v]


def test_a_module_that_lists_its_parameters_decides_what_names_and_weights_cover():
    # a review: overriding parameters() (to train only a head) left named_parameters() and
    # weights() walking everything, so train(l2=...) penalized frozen weights
    class Frozen(Module):
        def __init__(self):
            self.body, self.head = MLP(2, [3], seed=0), MLP(3, [1], seed=1)

        def parameters(self):
            return self.head.parameters()

    net = Frozen()
    head = net.head
    assert [p for _, p in net.named_parameters()] == head.parameters()
    assert [name for name, _ in net.named_parameters()] == [
        f"head.{p.label}" for p in head.parameters()
    ]
    assert net.weights() == head.weights()


def test_values_in_a_numpy_array_are_parameters_and_are_trained():
    # a PyTorch-user trial: an embedding kept as an object array was silently never trained
    from nn import SGD

    class Embedded(Module):
        def __init__(self):
            self.emb = np.array([[Value(0.5), Value(-0.5)]], dtype=object)
            self.head = Layer(2, 1, "linear", seed=0)

        def __call__(self, x):
            return self.head(list(self.emb[0] * np.asarray(x)))[0]

    net = Embedded()
    assert [name for name, _ in net.named_parameters()][:2] == ["emb.0.0", "emb.0.1"]
    assert net.parameters()[:2] == list(net.emb[0])
    optimizer = SGD(net.parameters(), lr=0.1)
    net.zero_grad()
    (net([1.0, 2.0]) ** 2).backward()
    grad = net.emb[0, 0].grad
    assert grad != 0.0
    optimizer.step()
    assert net.emb[0, 0].data == 0.5 - 0.1 * grad


def test_a_set_of_values_is_refused_for_its_order():
    class Unordered(Module):
        def __init__(self):
            self.pool = {Value(1.0), Value(2.0)}

    with pytest.raises(TypeError, match=r"Unordered.pool is a set .* keep them in a list"):
        Unordered().parameters()


def test_forward_is_what_a_module_computes_when_it_defines_no_call():
    class Forward(Module):
        def __init__(self):
            self.lin = Layer(2, 1, "linear", seed=0)

        def forward(self, x):
            return self.lin(x)[0]

    net = Forward()
    assert net([1.0, 2.0]).data == net.lin([1.0, 2.0])[0].data
    with pytest.raises(
        NotImplementedError, match=r"Module does not say what it computes: define __call__"
    ):
        Module()([1.0])


def test_a_module_of_ones_own_shows_what_it_holds():
    assert repr(Scaled()) == (
        "Scaled(body=MLP(3, [4, 1], activation='relu', output_activation='linear'), "
        "scale=Value(data=1.5, grad=0.0), heads=list of 2 items (1 module, 1 Value))"
    )


def test_subclasses_of_nn_modules_show_their_own_class_name():
    class Wide(MLP):
        pass

    class Tanh(Layer):
        pass

    assert repr(Wide(2, [3, 1], seed=0)).startswith("Wide(2, [3, 1]")
    assert repr(Tanh(2, 1, "tanh", seed=0)) == "Tanh(nin=2, nout=1, activation='tanh')"


def test_a_module_holding_its_parent_shows_it_without_endless_recursion():
    class Child(Module):
        def __init__(self, parent):
            self.parent = parent
            self.w = Value(2.0)

    class Parent(Module):
        def __init__(self):
            self.child = Child(self)

    assert repr(Parent()) == "Parent(child=Child(parent=Parent(...), w=Value(data=2.0, grad=0.0)))"


def test_repr_counts_the_modules_and_values_in_containers():
    class Stack(Module):
        def __init__(self):
            self.blocks = [Layer(2, 2, seed=0), Layer(2, 1, seed=1)]
            self.gains = {"a": Value(1.0), "b": Value(2.0)}
            self.depth = 2

    assert repr(Stack()) == (
        "Stack(blocks=list of 2 items (2 modules), gains=dict of 2 items (2 Values))"
    )

    class Nested(Module):
        def __init__(self):
            self.grid = np.array([[Value(1.0), Value(2.0)], [Value(3.0), Value(4.0)]], dtype=object)
            self.stages = [[Layer(2, 2, seed=0)], [Layer(2, 1, seed=0), Value(1.0)]]

    assert repr(Nested()) == (
        "Nested(grid=ndarray of shape (2, 2) (4 Values), stages=list of 2 items (2 modules, 1 Value))"
    )


def test_forward_is_given_every_argument_of_the_call():
    class Weighted(Module):
        def __init__(self):
            self.lin = Layer(2, 1, "linear", seed=0)

        def forward(self, x, scale=1.0):
            return self.lin(x)[0] * scale

    net = Weighted()
    assert net([1.0, 2.0], scale=3.0).data == 3.0 * net([1.0, 2.0]).data


def test_a_subclass_of_mlp_layer_or_neuron_is_called_through_its_own_forward():
    # a PyTorch user's MLP subclass defined forward; calling the model and training it
    # skipped it, since MLP defines __call__
    import nn

    class Scaled(MLP):
        def forward(self, x):
            return super().forward(x) * 100.0

    class Shifted(Layer):
        def forward(self, x):
            return [y + 1.0 for y in super().__call__(x)]

    class Doubled(Neuron):
        def forward(self, x):
            return 2.0 * super().forward(x)

    x = [0.3, 0.4]
    plain, scaled = MLP(2, [4, 1], seed=0), Scaled(2, [4, 1], seed=0)
    assert scaled(x).data == 100.0 * plain(x).data  # one rounding, as by hand
    layer, shifted = Layer(2, 3, "tanh", seed=0), Shifted(2, 3, "tanh", seed=0)
    assert [v.data for v in shifted(x)] == [v.data + 1.0 for v in layer(x)]
    neuron, doubled = Neuron(2, "tanh", seed=0), Doubled(2, "tanh", seed=0)
    assert doubled(x).data == 2.0 * neuron(x).data
    rows, targets = [[0.1, 0.2], [0.5, 0.9]], [0.0, 1.0]
    assert nn.predict(scaled, rows) == [100.0 * y for y in nn.predict(plain, rows)]
    for engine in ("eager", "compiled"):
        model = Scaled(2, [4, 1], seed=0)
        history = nn.train(model, rows, targets, epochs=1, lr=0.0, engine=engine, progress=False)
        by_hand = sum((100.0 * plain(r).data - t) ** 2 for r, t in zip(rows, targets)) / 2
        assert history[0] == pytest.approx(by_hand, rel=1e-12)


def test_a_users_own_call_that_wraps_forward_is_kept_in_subclasses():
    # the review of the forward dispatch: a user's base class whose __call__ wraps forward
    # was skipped for a subclass that defines forward (-2.0 where relu gives 0.0)
    class Base(Module):
        def __init__(self):
            self.w = Value(2.0)

        def __call__(self, x):
            return self.forward(x).relu()

        def forward(self, x):
            return self.w * x[0]

    class Child(Base):
        def forward(self, x):
            return -self.w * x[0]

    assert Child()([1.0]).data == 0.0 and Base()([1.0]).data == 2.0


def test_a_module_returning_a_numpy_array_of_values_predicts_and_trains_as_with_a_list():
    # predict gave [<memory at 0x...>] (the ndarray's .data), compiled training "1 outputs but
    # 2 targets", validation a TypeError about a memoryview
    import nn

    class ArrayOut(Module):
        def __init__(self):
            self.W = np.array([Value(0.5), Value(-0.5)], dtype=object)

        def forward(self, x):
            return self.W * x[0]

    class ListOut(ArrayOut):
        def forward(self, x):
            return list(self.W * x[0])

    assert nn.predict(ArrayOut(), [[1.0, 2.0]]) == [[0.5, -0.5]]
    p = 1 / (1 + math.exp(-1.0))  # softmax of (0.5, -0.5), by hand
    assert nn.predict_proba(ArrayOut(), [[1.0, 2.0]]) == [pytest.approx([p, 1 - p], rel=1e-15)]
    rows, targets = [[1.0, 2.0], [0.5, 1.0]], [[1.0, 0.0], [0.0, 1.0]]
    for engine in ("eager", "compiled"):
        settings = dict(epochs=2, lr=0.1, engine=engine, progress=False)
        ours = nn.train(ArrayOut(), rows, targets, validation=(rows, targets), **settings)
        listed = nn.train(ListOut(), rows, targets, validation=(rows, targets), **settings)
        assert list(ours) == list(listed) and ours.validation == listed.validation


def test_a_module_returning_a_number_is_refused_since_nothing_would_train():
    # float(self.w * x): training ran with a flat history and w never moved, with no error
    import nn

    class Detached(Module):
        def __init__(self):
            self.w = Value(1.0)

        def forward(self, x):
            return float(self.w * x[0])

    for engine in ("eager", "compiled"):
        with pytest.raises(TypeError, match="Detached returned float, not a Value or a list"):
            nn.train(
                Detached(), [[1.0], [2.0]], [0.0, 1.0], epochs=1, engine=engine, progress=False
            )
    with pytest.raises(TypeError, match="returned a list holding float"):
        nn.predict(type("Floats", (Module,), {"forward": lambda self, x: [1.0]})(), [[1.0]])
    # other mistakes get their own reason (the review: each said "a number taken out of a Value")
    for returned, reason in (
        (
            None,
            "returned None, not a Value or a list of Values \\(a forward without a return\\?\\)",
        ),
        ([], "returned an empty list, not a Value"),
        (
            [[Value(1.0)]],
            "returned a list holding list, not a Value or a list of Values \\(one Value per output\\)",
        ),
    ):
        odd = type("Odd", (Module,), {"forward": lambda self, x, r=returned: r})()
        with pytest.raises(TypeError, match=reason):
            nn.predict(odd, [[1.0]])


def test_parameters_in_a_set_are_refused_even_inside_a_tuple_in_the_set():
    class Hidden(Module):
        def __init__(self):
            self.pairs = {(Value(1.0), Value(2.0))}

    with pytest.raises(TypeError, match="Hidden.pairs is a set holding Values or modules"):
        Hidden().parameters()


def test_a_misspelt_activation_is_refused_even_with_no_hidden_layer_to_use_it():
    # MLP(2, [3], activation="sigmod") was accepted: one layer has only the output activation
    with pytest.raises(ValueError, match="sigmod"):
        MLP(2, [3], activation="sigmod")
