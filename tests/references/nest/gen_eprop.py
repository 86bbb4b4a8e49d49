"""Record NEST 3.10's newer e-prop models (``eprop_iaf``, ``eprop_iaf_adapt``, ``eprop_iaf_psc_delta``,
``eprop_iaf_psc_delta_adapt`` with ``eprop_readout`` and ``eprop_synapse``) on NEST's own regression test.

Run with a Python that has NEST (never the project's environment)::

    /work/venvs/nest/bin/python tests/references/nest/gen_eprop.py

The body of ``regression`` is NEST's ``test_eprop_regression`` (``testsuite/pytests/synapses/
test_eprop_plasticity.py``) with the recorders widened to all neurons and synapses. For each model it
writes ``<model>.npz``: the initial weights as NEST sets them (``W_in``, ``W_rec``, ``W_out``
[pre, post]; ``B`` [n_rec, n_out]), the input spikes ``x`` (T, n_in) of one sequence (repeated every
sequence), the target ``y_star`` (T,), the per-iteration ``loss`` as the test computes it and the
readout's recordings ``mm_out_*`` (readout_signal, target_signal, error_signal, V_m); with ``--full``
(and ``--out DIR``) also ``mm_rec_*`` (V_m, surrogate_gradient, learning_signal of every recurrent
neuron) and the weight recorder's ``wr_*`` (every synapse).
"""

import pathlib
import sys

import nest
import numpy as np

HERE = pathlib.Path(__file__).resolve().parent
nest.verbosity = nest.VerbosityLevel.WARNING
CASES = [("eprop_iaf", "adam"), ("eprop_iaf_adapt", "gradient_descent"), ("eprop_iaf_psc_delta", "gradient_descent"),
         ("eprop_iaf_psc_delta_adapt", "gradient_descent")]


def regression(neuron_model, optimizer, batch_size=1, optimize_each_step=True, n_iter=5, nrn_extra=None,
               feedback_delay_steps=1):
    """NEST's test_eprop_regression for ``neuron_model`` (its own code, recorders widened; the optimiser's
    ``batch_size`` and ``optimize_each_step``, the number of iterations and extra recurrent-neuron
    parameters ``nrn_extra`` and the learning signal's delay can be changed; NEST's test uses the defaults)."""

    # Initialize random generator
    rng_seed = 1
    np.random.seed(rng_seed)

    # Define timing of task

    group_size = 1

    steps = {
        "sequence": 100,
    }

    steps["learning_window"] = steps["sequence"]
    steps["task"] = n_iter * group_size * steps["sequence"]

    steps.update(
        {
            "offset_gen": 1,
            "delay_in_rec": 1,
            "extension_sim": 3,
        }
    )

    steps["delays"] = steps["delay_in_rec"]

    steps["total_offset"] = steps["offset_gen"] + steps["delays"]

    steps["sim"] = steps["task"] + steps["total_offset"] + steps["extension_sim"]

    duration = {"step": 1.0}

    duration.update({key: value * duration["step"] for key, value in steps.items()})

    # Set up simulation

    params_setup = {
        "print_time": False,
        "resolution": duration["step"],
        "total_num_virtual_procs": 1,
    }

    nest.ResetKernel()
    nest.set(**params_setup)

    # Create neurons

    n_in = 100
    n_rec = 100
    n_out = 1

    params_nrn_out = {
        "C_m": 1.0,
        "E_L": 0.0,
        "eprop_isi_trace_cutoff": 100,
        "I_e": 0.0,
        "tau_m": 30.0,
        "V_m": 0.0,
    }

    params_nrn_rec = {
        "C_m": 1.0,
        "c_reg": 300.0 / duration["sequence"],
        "E_L": 0.0,
        "eprop_isi_trace_cutoff": 100,
        "f_target": 10.0,
        "flush_event_send_interval": duration["sequence"],
        "I_e": 0.0,
        "kappa": 0.97,
        "kappa_reg": 0.97,
        "surrogate_gradient_function": "piecewise_linear",
        "surrogate_gradient_height": 10.0,
        "surrogate_gradient_width": 0.03,
        "t_ref": 0.0,
        "tau_m": 30.0,
        "V_m": 0.0,
        "V_th": 0.03,
    }

    scale_factor = 1.0 - params_nrn_rec["kappa"]

    if neuron_model in ["eprop_iaf_psc_delta", "eprop_iaf_psc_delta_adapt"]:
        params_nrn_rec["V_reset"] = -0.5
        params_nrn_rec["c_reg"] = 2.0 / duration["sequence"] / scale_factor**2
        params_nrn_rec["V_th"] = 0.5
    elif neuron_model == "eprop_iaf_adapt":
        params_nrn_rec["adapt_beta"] = 0.0174
        params_nrn_rec["adapt_tau"] = 2000.0
        params_nrn_rec["adaptation"] = 0.0

    params_nrn_rec.update(nrn_extra or {})

    gen_spk_in = nest.Create("spike_generator", n_in)
    nrns_in = nest.Create("parrot_neuron", n_in)
    nrns_rec = nest.Create(neuron_model, n_rec, params_nrn_rec)
    nrns_out = nest.Create("eprop_readout", n_out, params_nrn_out)
    gen_rate_target = nest.Create("step_rate_generator", n_out)
    gen_learning_window = nest.Create("step_rate_generator")

    # Create recorders


    params_mm_rec = {
        "interval": duration["step"],
        "record_from": ["V_m", "surrogate_gradient", "learning_signal"],
        "start": duration["offset_gen"] + duration["delay_in_rec"],
        "stop": duration["offset_gen"] + duration["delay_in_rec"] + duration["task"],
    }

    params_mm_out = {
        "interval": duration["step"],
        "record_from": ["V_m", "readout_signal", "target_signal", "error_signal"],
        "start": duration["total_offset"],
        "stop": duration["total_offset"] + duration["task"],
    }

    params_wr = {
        "start": duration["total_offset"],
        "stop": duration["total_offset"] + duration["task"],
    }

    params_sr = {
        "start": duration["offset_gen"],
        "stop": duration["total_offset"] + duration["task"],
    }

    mm_rec = nest.Create("multimeter", params=params_mm_rec)
    mm_out = nest.Create("multimeter", params=params_mm_out)
    sr = nest.Create("spike_recorder", params=params_sr)
    wr = nest.Create("weight_recorder", params=params_wr)

    nrns_rec_record = nrns_rec

    # Create connections

    params_conn_all_to_all = {"rule": "all_to_all", "allow_autapses": False}
    params_conn_one_to_one = {"rule": "one_to_one"}

    dtype_weights = np.float32
    weights_in_rec = np.array(np.random.randn(n_in, n_rec).T / np.sqrt(n_in), dtype=dtype_weights)
    weights_rec_rec = np.array(np.random.randn(n_rec, n_rec).T / np.sqrt(n_rec), dtype=dtype_weights)
    np.fill_diagonal(weights_rec_rec, 0.0)
    weights_rec_out = np.array(np.random.randn(n_rec, n_out).T / np.sqrt(n_rec), dtype=dtype_weights) * scale_factor
    weights_out_rec = np.array(np.random.randn(n_rec, n_out) / np.sqrt(n_rec), dtype=dtype_weights)

    if neuron_model in ["eprop_iaf", "eprop_iaf_adapt"]:
        weights_in_rec *= scale_factor
        weights_rec_rec *= scale_factor
        weights_out_rec *= scale_factor
    elif neuron_model in ["eprop_iaf_psc_delta", "eprop_iaf_psc_delta_adapt"]:
        weights_out_rec /= scale_factor

    params_common_syn_eprop = {
        "optimizer": {
            "type": optimizer,
            "batch_size": batch_size,
            "eta": 1e-4 * scale_factor**2,
            "optimize_each_step": optimize_each_step,
            "Wmin": -100.0,
            "Wmax": 100.0,
        },
        "weight_recorder": wr,
    }

    if optimizer == "adam":
        params_common_syn_eprop["optimizer"]["beta_1"] = 0.9
        params_common_syn_eprop["optimizer"]["beta_2"] = 0.999
        params_common_syn_eprop["optimizer"]["epsilon"] = 1e-7

    params_syn_base = {
        "synapse_model": "eprop_synapse",
        "delay": duration["step"],
    }

    params_syn_in = params_syn_base.copy()
    params_syn_in["weight"] = weights_in_rec

    params_syn_rec = params_syn_base.copy()
    params_syn_rec["weight"] = weights_rec_rec

    params_syn_out = params_syn_base.copy()
    params_syn_out["weight"] = weights_rec_out

    params_syn_feedback = {
        "synapse_model": "eprop_learning_signal_connection",
        "delay": feedback_delay_steps * duration["step"],
        "weight": weights_out_rec,
    }

    params_syn_learning_window = {
        "synapse_model": "rate_connection_delayed",
        "delay": duration["step"],
        "receptor_type": 1,
    }

    params_syn_rate_target = {
        "synapse_model": "rate_connection_delayed",
        "delay": duration["step"],
        "receptor_type": 2,
    }

    params_syn_static = {
        "synapse_model": "static_synapse",
        "delay": duration["step"],
    }

    nest.SetDefaults("eprop_synapse", params_common_syn_eprop)

    nest.Connect(gen_spk_in, nrns_in, params_conn_one_to_one, params_syn_static)
    nest.Connect(nrns_in, nrns_rec, params_conn_all_to_all, params_syn_in)
    nest.Connect(nrns_rec, nrns_rec, params_conn_all_to_all, params_syn_rec)
    nest.Connect(nrns_rec, nrns_out, params_conn_all_to_all, params_syn_out)
    nest.Connect(nrns_out, nrns_rec, params_conn_all_to_all, params_syn_feedback)
    nest.Connect(gen_rate_target, nrns_out, params_conn_one_to_one, params_syn_rate_target)
    nest.Connect(gen_learning_window, nrns_out, params_conn_all_to_all, params_syn_learning_window)

    nest.Connect(nrns_in + nrns_rec, sr, params_conn_all_to_all, params_syn_static)

    nest.Connect(mm_rec, nrns_rec_record, params_conn_all_to_all, params_syn_static)
    nest.Connect(mm_out, nrns_out, params_conn_all_to_all, params_syn_static)

    # Create input

    input_spike_prob = 0.05
    dtype_in_spks = np.float32

    input_spike_bools = (np.random.rand(steps["sequence"], n_in) < input_spike_prob).swapaxes(0, 1)

    sequence_starts = np.arange(0.0, duration["task"], duration["sequence"]) + duration["offset_gen"]
    params_gen_spk_in = []
    for input_spike_bool in input_spike_bools:
        input_spike_times = np.arange(0.0, duration["sequence"], duration["step"])[input_spike_bool]
        input_spike_times_all = [input_spike_times + start for start in sequence_starts]
        params_gen_spk_in.append({"spike_times": np.hstack(input_spike_times_all).astype(dtype_in_spks)})

    gen_spk_in.set(params_gen_spk_in)

    # Create output

    def generate_superimposed_sines(steps_sequence, periods):
        n_sines = len(periods)

        amplitudes = np.random.uniform(low=0.5, high=2.0, size=n_sines)
        phases = np.random.uniform(low=0.0, high=2.0 * np.pi, size=n_sines)

        sines = [
            A * np.sin(np.linspace(phi, phi + 2.0 * np.pi * (steps_sequence // T), steps_sequence))
            for A, phi, T in zip(amplitudes, phases, periods)
        ]

        superposition = sum(sines)
        superposition -= superposition[0]
        superposition /= max(np.abs(superposition).max(), 1e-6)
        return superposition

    target_signal = generate_superimposed_sines(steps["sequence"], [1000, 500, 333, 200])

    params_gen_rate_target = {
        "amplitude_times": np.arange(0.0, duration["task"], duration["step"]) + duration["total_offset"],
        "amplitude_values": np.tile(target_signal, n_iter * group_size),
    }

    gen_rate_target.set(params_gen_rate_target)

    # Create learning window

    params_gen_learning_window = {
        "amplitude_times": [duration["total_offset"]],
        "amplitude_values": [1.0],
    }

    gen_learning_window.set(params_gen_learning_window)

    # Simulate

    nest.Simulate(duration["sim"])

    # Read out recorders

    events_mm_out = mm_out.get("events")

    # Evaluate training error

    readout_signal = events_mm_out["readout_signal"]
    target_signal = events_mm_out["target_signal"]
    senders = events_mm_out["senders"]

    readout_signal = np.array([readout_signal[senders == i] for i in np.unique(senders)])
    target_signal = np.array([target_signal[senders == i] for i in np.unique(senders)])

    readout_signal = readout_signal.reshape((n_out, n_iter, group_size, steps["sequence"]))
    target_signal = target_signal.reshape((n_out, n_iter, group_size, steps["sequence"]))

    loss = 0.5 * np.mean(np.sum((readout_signal - target_signal) ** 2, axis=3), axis=(0, 2))

    ids = np.array([nrns_in[0].global_id, nrns_rec[0].global_id, nrns_out[0].global_id])
    rec = {f"mm_rec_{k}": np.asarray(v) for k, v in mm_rec.get("events").items()}
    out = {f"mm_out_{k}": np.asarray(v) for k, v in events_mm_out.items()}
    wev = {f"wr_{k}": np.asarray(v) for k, v in wr.get("events").items() if k in ("senders", "targets", "times",
                                                                                    "weights")}
    return {"W_in": weights_in_rec.T.astype(np.float64), "W_rec": weights_rec_rec.T.astype(np.float64),
            "W_out": weights_rec_out.T.astype(np.float64), "B": weights_out_rec.astype(np.float64),
            "x": input_spike_bools.T.astype(np.float64), "y_star": np.asarray(params_gen_rate_target["amplitude_values"]
                                                                                [: steps["sequence"]], np.float64),
            "loss": loss, "ids": ids, **rec, **out, **wev}


if __name__ == "__main__":
    full = "--full" in sys.argv  # keep the per-neuron and per-synapse recordings (megabytes; for diagnosis)
    out_dir = pathlib.Path(sys.argv[sys.argv.index("--out") + 1]) if "--out" in sys.argv else HERE
    for model, optimizer in CASES:
        res = regression(model, optimizer)
        if not full:
            res = {k: v for k, v in res.items() if not k.startswith(("wr_", "mm_rec_"))}
        np.savez_compressed(out_dir / f"{model}.npz", **res, optimizer=optimizer, nest_version=nest.__version__)
        print(model, optimizer, np.array2string(res["loss"], precision=14))
