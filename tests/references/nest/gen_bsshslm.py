"""Record NEST 3.10's ``*_bsshslm_2020`` e-prop numbers (regression and classification tests).

Run with a Python that has NEST (never the project's environment)::

    python3 -m venv /work/venvs/nest && /work/venvs/nest/bin/pip install nest-simulator==3.10.0
    /work/venvs/nest/bin/python tests/references/nest/gen_bsshslm.py regression 5
    /work/venvs/nest/bin/python tests/references/nest/gen_bsshslm.py regression 2000
    /work/venvs/nest/bin/python tests/references/nest/gen_bsshslm.py classification 1
    /work/venvs/nest/bin/python tests/references/nest/gen_bsshslm.py classification 2

The networks, seeds and parameters are those of NEST's own test suite
(``testsuite/pytests/synapses/test_eprop_bsshslm_2020_plasticity.py``: ``test_eprop_regression`` and
``test_eprop_classification``), with the number of iterations (regression) or the batch size
(classification) as an argument. Each run writes ``bsshslm_<task>_<arg>.npz`` next to this script:

- the initial state, as our components store it: ``W_in``, ``W_rec``, ``W_out`` [pre, post], ``B``
  [n_rec, n_out] (float64 values of NEST's float32 weights), the input spikes ``x`` (T, n_in) per
  sequence (regression: one frozen sequence) or (n_iter, batch, T, n_in) (classification), and the
  target ``y_star`` (regression, (T, 1)) or the ``labels`` (classification, (n_iter, batch));
- ``loss``: the per-iteration loss exactly as NEST's test computes it (regression: 0.5 sum over the
  sequence of err^2, batch mean; classification: cross-entropy averaged over the 150-step recall
  window and the batch);
- regression only: ``spikes`` (n_iter_rec, T, n_rec) bool, the recurrent spikes of the first
  iterations (as per-sequence steps), for locating where a long run departs.
"""

from __future__ import annotations

import pathlib
import sys

import nest
import numpy as np

HERE = pathlib.Path(__file__).resolve().parent
nest.verbosity = nest.VerbosityLevel.WARNING


def _timing(steps: dict, n_iter: int, batch_size: int) -> dict:
    steps["task"] = n_iter * batch_size * steps["sequence"]
    steps.update({"offset_gen": 1, "delay_in_rec": 1, "delay_rec_out": 1, "delay_out_norm": 1, "extension_sim": 1})
    steps["delays"] = steps["delay_in_rec"] + steps["delay_rec_out"] + steps["delay_out_norm"]
    steps["total_offset"] = steps["offset_gen"] + steps["delays"]
    steps["sim"] = steps["task"] + steps["total_offset"] + steps["extension_sim"]
    return {"step": 1.0, **{k: float(v) for k, v in steps.items()}}


def regression(n_iter: int, n_iter_rec: int = 20, record_weights: tuple | None = None) -> dict:
    """NEST's test_eprop_regression with ``n_iter`` iterations (batch 1).

    ``record_weights = (first, last)`` adds a weight recorder on every e-prop synapse for the
    sequences ``first .. last - 1`` (0-based); its events come back under ``wr_*``."""
    np.random.seed(1)
    batch_size = 1
    steps = {"sequence": 1000}
    steps["learning_window"] = steps["sequence"]
    duration = _timing(steps, n_iter, batch_size)
    nest.ResetKernel()
    nest.set(eprop_learning_window=duration["learning_window"], eprop_reset_neurons_on_update=True,
             eprop_update_interval=duration["sequence"], print_time=False, resolution=duration["step"],
             total_num_virtual_procs=1)
    n_in, n_rec, n_out = 100, 100, 1
    params_nrn_out = {"C_m": 1.0, "E_L": 0.0, "I_e": 0.0, "loss": "mean_squared_error",
                      "regular_spike_arrival": False, "tau_m": 30.0, "V_m": 0.0}
    params_nrn_rec = {"C_m": 1.0, "c_reg": 300.0, "E_L": 0.0, "f_target": 10.0,
                      "flush_event_send_interval": duration["sequence"], "I_e": 0.0, "regular_spike_arrival": False,
                      "surrogate_gradient_function": "piecewise_linear", "surrogate_gradient_height": 0.3,
                      "surrogate_gradient_width": 1.0, "t_ref": 0.0, "tau_m": 30.0, "V_m": 0.0, "V_th": 0.03}
    params_nrn_rec["surrogate_gradient_height"] /= params_nrn_rec["V_th"]
    params_nrn_rec["surrogate_gradient_width"] *= np.abs(params_nrn_rec["V_th"])
    gen_spk_in = nest.Create("spike_generator", n_in)
    nrns_in = nest.Create("parrot_neuron", n_in)
    nrns_rec = nest.Create("eprop_iaf_bsshslm_2020", n_rec, params_nrn_rec)
    nrns_out = nest.Create("eprop_readout_bsshslm_2020", n_out, params_nrn_out)
    gen_rate_target = nest.Create("step_rate_generator", n_out)
    mm_out = nest.Create("multimeter", params={
        "interval": duration["step"], "record_from": ["readout_signal", "target_signal"],
        "start": duration["total_offset"], "stop": duration["total_offset"] + duration["task"]})
    sr = nest.Create("spike_recorder", params={
        "start": duration["offset_gen"],
        "stop": duration["offset_gen"] + duration["delay_in_rec"] + min(n_iter, n_iter_rec) * duration["sequence"] + 1})
    all_to_all = {"rule": "all_to_all", "allow_autapses": False}
    one_to_one = {"rule": "one_to_one"}
    dtype_weights = np.float32
    weights_in_rec = np.array(np.random.randn(n_in, n_rec).T / np.sqrt(n_in), dtype=dtype_weights)
    weights_rec_rec = np.array(np.random.randn(n_rec, n_rec).T / np.sqrt(n_rec), dtype=dtype_weights)
    np.fill_diagonal(weights_rec_rec, 0.0)
    weights_rec_out = np.array(np.random.randn(n_rec, n_out).T / np.sqrt(n_rec), dtype=dtype_weights)
    weights_out_rec = np.array(np.random.randn(n_rec, n_out) / np.sqrt(n_rec), dtype=dtype_weights)
    common = {"optimizer": {"type": "gradient_descent", "batch_size": batch_size, "eta": 1e-4, "Wmin": -100.0,
                            "Wmax": 100.0}, "average_gradient": False}
    if record_weights is not None:
        wr = nest.Create("weight_recorder", params={"start": record_weights[0] * duration["sequence"],
                                                    "stop": record_weights[1] * duration["sequence"] + 3.0})
        common["weight_recorder"] = wr
    nest.SetDefaults("eprop_synapse_bsshslm_2020", common)
    base = {"synapse_model": "eprop_synapse_bsshslm_2020", "delay": duration["step"],
            "tau_m_readout": params_nrn_out["tau_m"]}
    static = {"synapse_model": "static_synapse", "delay": duration["step"]}
    nest.Connect(gen_spk_in, nrns_in, one_to_one, static)
    nest.Connect(nrns_in, nrns_rec, all_to_all, dict(base, weight=weights_in_rec))
    nest.Connect(nrns_rec, nrns_rec, all_to_all, dict(base, weight=weights_rec_rec))
    nest.Connect(nrns_rec, nrns_out, all_to_all, dict(base, weight=weights_rec_out))
    nest.Connect(nrns_out, nrns_rec, all_to_all, {"synapse_model": "eprop_learning_signal_connection_bsshslm_2020",
                                                  "delay": duration["step"], "weight": weights_out_rec})
    nest.Connect(gen_rate_target, nrns_out, one_to_one,
                 {"synapse_model": "rate_connection_delayed", "delay": duration["step"], "receptor_type": 2})
    nest.Connect(nrns_rec, sr, all_to_all, static)
    nest.Connect(mm_out, nrns_out, all_to_all, static)

    input_spike_prob = 0.05
    input_spike_bools = (np.random.rand(steps["sequence"], n_in) < input_spike_prob).swapaxes(0, 1)
    input_spike_bools[:, 0] = 0
    sequence_starts = np.arange(0.0, duration["task"], duration["sequence"]) + duration["offset_gen"]
    params_gen_spk_in = []
    for input_spike_bool in input_spike_bools:
        input_spike_times = np.arange(0.0, duration["sequence"], duration["step"])[input_spike_bool]
        input_spike_times_all = [input_spike_times + start for start in sequence_starts]
        params_gen_spk_in.append({"spike_times": np.hstack(input_spike_times_all).astype(np.float32)})
    gen_spk_in.set(params_gen_spk_in)

    def generate_superimposed_sines(steps_sequence, periods):
        amplitudes = np.random.uniform(low=0.5, high=2.0, size=len(periods))
        phases = np.random.uniform(low=0.0, high=2.0 * np.pi, size=len(periods))
        sines = [A * np.sin(np.linspace(phi, phi + 2.0 * np.pi * (steps_sequence // T), steps_sequence))
                 for A, phi, T in zip(amplitudes, phases, periods)]
        superposition = sum(sines)
        superposition -= superposition[0]
        superposition /= max(np.abs(superposition).max(), 1e-6)
        return superposition

    target_signal = generate_superimposed_sines(steps["sequence"], [1000, 500, 333, 200])
    gen_rate_target.set({"amplitude_times": np.arange(0.0, duration["task"], duration["step"])
                         + duration["total_offset"], "amplitude_values": np.tile(target_signal, n_iter * batch_size)})
    nest.Simulate(duration["sim"])

    ev = mm_out.get("events")
    readout = ev["readout_signal"].reshape((n_iter, batch_size, steps["sequence"]))
    target = ev["target_signal"].reshape((n_iter, batch_size, steps["sequence"]))
    loss = 0.5 * np.mean(np.sum((readout - target) ** 2, axis=2), axis=1)
    sev = sr.get("events")
    # a recurrent neuron's spike in step k of sequence i (our numbering) is recorded at 1000 i + k + 3
    t_rel = np.asarray(sev["times"]).astype(int) - 3
    n_rec_iter = min(n_iter, n_iter_rec)
    spikes = np.zeros((n_rec_iter, steps["sequence"], n_rec), bool)
    ok = (t_rel >= 0) & (t_rel < n_rec_iter * steps["sequence"])
    spikes[t_rel[ok] // steps["sequence"], t_rel[ok] % steps["sequence"],
           np.asarray(sev["senders"])[ok] - nrns_rec[0].global_id] = True
    extra = {}
    if record_weights is not None:
        ev = wr.get("events")
        extra = {f"wr_{k}": np.asarray(ev[k]) for k in ("senders", "targets", "times", "weights")}
        extra["ids"] = np.array([nrns_in[0].global_id, nrns_rec[0].global_id, nrns_out[0].global_id])
    return {**extra, "W_in": weights_in_rec.T.astype(np.float64), "W_rec": weights_rec_rec.T.astype(np.float64),
            "W_out": weights_rec_out.T.astype(np.float64), "B": weights_out_rec.astype(np.float64),
            "x": input_spike_bools.T.astype(np.float64), "y_star": target_signal[:, None].astype(np.float64),
            "loss": loss, "spikes": spikes}


def classification(batch_size: int, n_iter: int = 5) -> dict:
    """NEST's test_eprop_classification at ``batch_size`` (5 iterations)."""
    np.random.seed(1)
    inp = {"n_symbols": 4, "n_cues": 7, "prob_group": 0.3, "spike_prob": 0.04}
    steps = {"cue": 100, "spacing": 50, "bg_noise": 1050, "recall": 150}
    steps["cues"] = inp["n_cues"] * (steps["cue"] + steps["spacing"])
    steps["sequence"] = steps["cues"] + steps["bg_noise"] + steps["recall"]
    steps["learning_window"] = steps["recall"]
    duration = _timing(steps, n_iter, batch_size)
    nest.ResetKernel()
    nest.set(eprop_learning_window=duration["learning_window"], eprop_reset_neurons_on_update=True,
             eprop_update_interval=duration["sequence"], print_time=False, resolution=duration["step"],
             total_num_virtual_procs=1)
    n_in, n_ad, n_reg, n_out = 40, 50, 50, 2
    n_rec = n_ad + n_reg
    params_nrn_out = {"C_m": 1.0, "E_L": 0.0, "I_e": 0.0, "loss": "cross_entropy", "regular_spike_arrival": False,
                      "tau_m": 20.0, "V_m": 0.0}
    params_nrn_reg = {"C_m": 1.0, "c_reg": 300.0, "E_L": 0.0, "f_target": 10.0,
                      "flush_event_send_interval": duration["sequence"], "I_e": 0.0, "regular_spike_arrival": True,
                      "surrogate_gradient_function": "piecewise_linear", "surrogate_gradient_height": 0.3,
                      "surrogate_gradient_width": 1.0, "t_ref": 5.0, "tau_m": 20.0, "V_m": 0.0, "V_th": 0.6}
    params_nrn_reg["surrogate_gradient_height"] /= params_nrn_reg["V_th"]
    params_nrn_reg["surrogate_gradient_width"] *= np.abs(params_nrn_reg["V_th"])
    params_nrn_ad = dict(params_nrn_reg, adapt_tau=2000.0, adaptation=0.0)
    params_nrn_ad["adapt_beta"] = 1.7 * ((1.0 - np.exp(-duration["step"] / params_nrn_ad["adapt_tau"]))
                                         / (1.0 - np.exp(-duration["step"] / params_nrn_ad["tau_m"])))
    gen_spk_in = nest.Create("spike_generator", n_in)
    nrns_in = nest.Create("parrot_neuron", n_in)
    nrns_reg = nest.Create("eprop_iaf_bsshslm_2020", n_reg, params_nrn_reg)
    nrns_ad = nest.Create("eprop_iaf_adapt_bsshslm_2020", n_ad, params_nrn_ad)
    nrns_out = nest.Create("eprop_readout_bsshslm_2020", n_out, params_nrn_out)
    gen_rate_target = nest.Create("step_rate_generator", n_out)
    nrns_rec = nrns_reg + nrns_ad
    mm_out = nest.Create("multimeter", params={
        "interval": duration["step"], "record_from": ["readout_signal", "target_signal"],
        "start": duration["total_offset"], "stop": duration["total_offset"] + duration["task"]})
    all_to_all = {"rule": "all_to_all", "allow_autapses": False}
    one_to_one = {"rule": "one_to_one"}

    def calculate_glorot_dist(fan_in, fan_out):
        glorot_scale = 1.0 / max(1.0, (fan_in + fan_out) / 2.0)
        glorot_limit = np.sqrt(3.0 * glorot_scale)
        return np.random.uniform(low=-glorot_limit, high=glorot_limit, size=(fan_in, fan_out))

    dtype_weights = np.float32
    weights_in_rec = np.array(np.random.randn(n_in, n_rec).T / np.sqrt(n_in), dtype=dtype_weights)
    weights_rec_rec = np.array(np.random.randn(n_rec, n_rec).T / np.sqrt(n_rec), dtype=dtype_weights)
    np.fill_diagonal(weights_rec_rec, 0.0)
    weights_rec_out = np.array(calculate_glorot_dist(n_rec, n_out).T, dtype=dtype_weights)
    weights_out_rec = np.array(np.random.randn(n_rec, n_out), dtype=dtype_weights)
    nest.SetDefaults("eprop_synapse_bsshslm_2020", {
        "optimizer": {"type": "adam", "batch_size": batch_size, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-8,
                      "eta": 5e-3, "Wmin": -100.0, "Wmax": 100.0}, "average_gradient": True})
    base = {"synapse_model": "eprop_synapse_bsshslm_2020", "delay": duration["step"],
            "tau_m_readout": params_nrn_out["tau_m"]}
    static = {"synapse_model": "static_synapse", "delay": duration["step"]}
    nest.Connect(gen_spk_in, nrns_in, one_to_one, static)
    nest.Connect(nrns_in, nrns_rec, all_to_all, dict(base, weight=weights_in_rec))
    nest.Connect(nrns_rec, nrns_rec, all_to_all, dict(base, weight=weights_rec_rec))
    nest.Connect(nrns_rec, nrns_out, all_to_all, dict(base, weight=weights_rec_out))
    nest.Connect(nrns_out, nrns_rec, all_to_all, {"synapse_model": "eprop_learning_signal_connection_bsshslm_2020",
                                                  "delay": duration["step"], "weight": weights_out_rec})
    nest.Connect(gen_rate_target, nrns_out, one_to_one,
                 {"synapse_model": "rate_connection_delayed", "delay": duration["step"], "receptor_type": 2})
    nest.Connect(nrns_out, nrns_out, all_to_all,
                 {"synapse_model": "rate_connection_delayed", "delay": duration["step"], "receptor_type": 1,
                  "weight": 1.0})
    nest.Connect(mm_out, nrns_out, all_to_all, static)
    nest.GetConnections(nrns_rec[0], nrns_rec[1:3]).set([{"optimizer": {"m": 0.0, "v": 0.0}}] * 2)

    def generate_evidence_accumulation_input_output(batch_size, n_in, steps, input):
        n_pop_nrn = n_in // input["n_symbols"]
        prob_choices = np.array([input["prob_group"], 1 - input["prob_group"]], dtype=np.float32)
        idx = np.random.choice([0, 1], batch_size)
        probs = np.zeros((batch_size, 2), dtype=np.float32)
        probs[:, 0] = prob_choices[idx]
        probs[:, 1] = prob_choices[1 - idx]
        batched_cues = np.zeros((batch_size, input["n_cues"]), dtype=int)
        for b_idx in range(batch_size):
            batched_cues[b_idx, :] = np.random.choice([0, 1], input["n_cues"], p=probs[b_idx])
        input_spike_probs = np.zeros((batch_size, steps["sequence"], n_in))
        for b_idx in range(batch_size):
            for c_idx in range(input["n_cues"]):
                cue = batched_cues[b_idx, c_idx]
                step_start = c_idx * (steps["cue"] + steps["spacing"]) + steps["spacing"]
                step_stop = step_start + steps["cue"]
                pop_nrn_start = cue * n_pop_nrn
                pop_nrn_stop = pop_nrn_start + n_pop_nrn
                input_spike_probs[b_idx, step_start:step_stop, pop_nrn_start:pop_nrn_stop] = input["spike_prob"]
        input_spike_probs[:, -steps["recall"]:, 2 * n_pop_nrn: 3 * n_pop_nrn] = input["spike_prob"]
        input_spike_probs[:, :, 3 * n_pop_nrn:] = input["spike_prob"] / 4.0
        input_spike_bools = input_spike_probs > np.random.rand(input_spike_probs.size).reshape(input_spike_probs.shape)
        input_spike_bools[:, 0, :] = 0
        target_cues = np.zeros(batch_size, dtype=int)
        target_cues[:] = np.sum(batched_cues, axis=1) > int(input["n_cues"] / 2)
        return input_spike_bools, target_cues

    input_spike_bools_list, target_cues_list = [], []
    for _ in range(n_iter):
        input_spike_bools, target_cues = generate_evidence_accumulation_input_output(batch_size, n_in, steps, inp)
        input_spike_bools_list.append(input_spike_bools)
        target_cues_list.extend(target_cues)
    input_spike_bools_arr = np.array(input_spike_bools_list).reshape(steps["task"], n_in)
    timeline_task = np.arange(0.0, duration["task"], duration["step"]) + duration["offset_gen"]
    gen_spk_in.set([{"spike_times": timeline_task[input_spike_bools_arr[:, i]].astype(np.float32)}
                    for i in range(n_in)])
    target_rate_changes = np.zeros((n_out, batch_size * n_iter))
    target_rate_changes[np.array(target_cues_list), np.arange(batch_size * n_iter)] = 1
    gen_rate_target.set([{"amplitude_times": np.arange(0.0, duration["task"], duration["sequence"])
                          + duration["total_offset"], "amplitude_values": target_rate_changes[i]}
                         for i in range(n_out)])
    nest.Simulate(duration["sim"])

    ev = mm_out.get("events")
    senders = ev["senders"]
    readout = np.array([ev["readout_signal"][senders == i] for i in np.unique(senders)])
    target = np.array([ev["target_signal"][senders == i] for i in np.unique(senders)])
    readout = readout.reshape((n_out, n_iter, batch_size, steps["sequence"]))[..., -steps["learning_window"]:]
    target = target.reshape((n_out, n_iter, batch_size, steps["sequence"]))[..., -steps["learning_window"]:]
    loss = -np.mean(np.sum(target * np.log(readout), axis=0), axis=(1, 2))
    return {"W_in": weights_in_rec.T.astype(np.float64), "W_rec": weights_rec_rec.T.astype(np.float64),
            "W_out": weights_rec_out.T.astype(np.float64), "B": weights_out_rec.astype(np.float64),
            "x": np.array(input_spike_bools_list, bool),
            "labels": np.array(target_cues_list).reshape(n_iter, batch_size),
            "beta": np.r_[np.zeros(n_reg), np.full(n_ad, params_nrn_ad["adapt_beta"])], "loss": loss}


if __name__ == "__main__":
    task, arg = sys.argv[1], int(sys.argv[2])
    out = regression(arg) if task == "regression" else classification(arg)
    path = HERE / f"bsshslm_{task}_{arg}.npz"
    np.savez_compressed(path, **out, nest_version=nest.__version__)
    print(path, "loss[:10] =", np.array2string(out["loss"][:10], precision=12))
