"""Record NEST 3.10's ``test_eprop_regression`` network with the options its test leaves at their
defaults: the optimiser's ``optimize_each_step = False`` and ``batch_size > 1`` (gradient descent and
Adam), ``V_min``, and ``eprop_iaf_psc_delta``'s ``refractory_input``.

Run with a Python that has NEST (never the project's environment)::

    /work/venvs/nest/bin/python tests/references/nest/gen_eprop_variants.py

Writes ``eprop_variants.json``: for each case its settings and NEST's per-iteration losses (the
network, weights and inputs are those of ``gen_eprop.py``'s ``<model>.npz``: the same seed); and
under ``surrogate`` the run of NEST's ``test_eprop_surrogate_gradients`` (one ``eprop_iaf`` driven
by six spikes) for each surrogate-gradient function: its recorded ``V_m`` and ``surrogate_gradient``
at every step, and its spike times.
"""

import json
import pathlib

import nest
import numpy as np
from gen_eprop import regression

HERE = pathlib.Path(__file__).resolve().parent
CASES = [
    # (name, model, optimizer, batch_size, optimize_each_step, recurrent-neuron extras[, feedback delay])
    ("iaf_adam_per_spike", "eprop_iaf", "adam", 1, False, {}),
    ("iaf_adam_batch4", "eprop_iaf", "adam", 4, True, {}),
    ("iaf_adam_batch4_per_spike", "eprop_iaf", "adam", 4, False, {}),
    ("iaf_gd_per_spike", "eprop_iaf", "gradient_descent", 1, False, {}),
    ("psc_delta_gd_batch3", "eprop_iaf_psc_delta", "gradient_descent", 3, True, {}),
    ("psc_delta_gd_batch3_per_spike", "eprop_iaf_psc_delta", "gradient_descent", 3, False, {}),
    ("iaf_gd_v_min", "eprop_iaf", "gradient_descent", 1, True, {"V_min": -0.02}),
    ("psc_delta_gd_refr_input", "eprop_iaf_psc_delta", "gradient_descent", 1, True,
     {"t_ref": 3.0, "refractory_input": True, "V_min": -0.6}),
    ("psc_delta_gd_refr", "eprop_iaf_psc_delta", "gradient_descent", 1, True, {"t_ref": 3.0}),
    ("psc_delta_gd_feedback_delay3", "eprop_iaf_psc_delta", "gradient_descent", 1, True, {}, 3),
]

SURROGATES = ["piecewise_linear", "exponential", "fast_sigmoid_derivative", "arctan_derivative"]


def surrogate_run(kind):
    """NEST's test_eprop_surrogate_gradients (its network and parameters), every step recorded."""
    nest.ResetKernel()
    nest.set(resolution=1.0, total_num_virtual_procs=1, print_time=False)
    params = {"C_m": 1.0, "c_reg": 0.0, "E_L": 0.0, "I_e": 0.0, "surrogate_gradient_function": kind,
              "surrogate_gradient_height": 0.5, "surrogate_gradient_width": 1.0 / 1.7, "t_ref": 3.0, "V_m": 0.0,
              "V_th": 0.6}
    gen = nest.Create("spike_generator", 1, {"spike_times": [1.0, 2.0, 3.0, 5.0, 9.0, 11.0]})
    parrot = nest.Create("parrot_neuron", 1)
    nrn = nest.Create("eprop_iaf", 1, params)
    mm = nest.Create("multimeter", params={"interval": 1.0, "record_from": ["surrogate_gradient", "V_m"]})
    sr = nest.Create("spike_recorder")
    nest.Connect(gen, parrot, {"rule": "one_to_one"}, {"synapse_model": "static_synapse", "delay": 1.0})
    nest.Connect(parrot, nrn, {"rule": "one_to_one"}, {"synapse_model": "eprop_synapse", "delay": 1.0, "weight": 0.3})
    nest.Connect(mm, nrn, {"rule": "one_to_one"}, {"synapse_model": "static_synapse", "delay": 1.0})
    nest.Connect(nrn, sr)
    nest.Simulate(20.0)
    ev = mm.get("events")
    return {"times": ev["times"].tolist(), "V_m": ev["V_m"].tolist(), "surrogate_gradient":
            ev["surrogate_gradient"].tolist(), "spike_times": sr.get("events")["times"].tolist()}


if __name__ == "__main__":
    out = {"nest_version": nest.__version__, "cases": {}, "surrogate": {k: surrogate_run(k) for k in SURROGATES}}
    for name, model, optimizer, batch, each, extra, *delay in CASES:
        res = regression(model, optimizer, batch_size=batch, optimize_each_step=each, nrn_extra=extra,
                         feedback_delay_steps=delay[0] if delay else 1)
        out["cases"][name] = {"model": model, "optimizer": optimizer, "batch_size": batch,
                              "optimize_each_step": each, "neuron": extra,
                              "feedback_delay_steps": delay[0] if delay else 1, "loss": res["loss"].tolist()}
        print(name, np.array2string(res["loss"], precision=14))
    (HERE / "eprop_variants.json").write_text(json.dumps(out, indent=1) + "\n")
