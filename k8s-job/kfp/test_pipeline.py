"""Compiles the taxi pipeline with the kfp package (offline) and checks the IR:
each step's artifact inputs come from the step that writes them, with the
types the KFP UI needs. Run by .ci/run (python -m unittest discover k8s-job/kfp)."""

import tempfile
import unittest

import yaml
from kfp import compiler

import pipeline


class PipelineTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        with tempfile.NamedTemporaryFile(suffix=".yaml") as f:
            compiler.Compiler().compile(pipeline.taxi_pipeline, f.name)
            with open(f.name) as compiled:
                cls.ir = yaml.safe_load(compiled)
        cls.tasks = cls.ir["root"]["dag"]["tasks"]

    def wired(self, task, name):
        """(producer task, producer output) of `task`'s artifact input `name`."""
        source = self.tasks[task]["inputs"]["artifacts"][name]["taskOutputArtifact"]
        return source["producerTask"], source["outputArtifactKey"]

    def test_each_output_feeds_the_next_input(self):
        expect = {
            ("split", "data"): ("importer", "artifact"),
            ("stats", "splits"): ("split", "splits"),  # train; "stats-2" is eval
            ("schema", "statistics"): ("stats", "statistics"),
            ("validate", "schema"): ("schema", "schema"),
            ("validate", "statistics"): ("stats-2", "statistics"),
            ("validate", "previous"): ("stats", "statistics"),
            ("transform-fit", "spec"): ("importer-2", "artifact"),
            ("train", "transform"): ("transform-fit", "transform"),
            ("predict", "model"): ("train", "model"),
            ("evaluate", "predictions"): ("predict", "predictions"),
            ("evaluate", "config"): ("importer-3", "artifact"),
            ("report", "evaluation"): ("evaluate", "evaluation"),
            ("report", "anomalies"): ("validate", "anomalies"),
            ("push", "blessing"): ("evaluate", "blessing"),
            ("push", "model"): ("train", "model"),
            ("push", "transform"): ("transform-fit", "transform"),
        }
        for (task, name), source in expect.items():
            self.assertEqual(self.wired(task, name), source, f"{task}.{name}")

    def test_artifact_types(self):
        components = self.ir["components"]
        def output_type(component, name):
            return components[component]["outputDefinitions"]["artifacts"][name]["artifactType"]["schemaTitle"]
        self.assertEqual(output_type("comp-evaluate", "metrics"), "system.Metrics")
        self.assertEqual(output_type("comp-report", "page"), "system.HTML")
        self.assertEqual(output_type("comp-split", "splits"), "system.Dataset")
        self.assertEqual(output_type("comp-train", "model"), "system.Model")

    def test_metrics_steps_pass_the_executor_input(self):
        executors = self.ir["deploymentSpec"]["executors"]
        for name in ["exec-evaluate", "exec-validate", "exec-stats", "exec-push"]:
            args = executors[name]["container"]["args"]
            self.assertEqual(args[args.index("--kfp-executor-input") + 1], "{{$}}", name)
            # No command: the image's entrypoint runs (a command would replace it).
            self.assertNotIn("command", executors[name]["container"], name)

    def test_the_image_is_the_one_asked_for(self):
        with tempfile.NamedTemporaryFile(suffix=".yaml") as f:
            compiler.Compiler().compile(pipeline.build("registry.example/tabx:9"), f.name)
            with open(f.name) as compiled:
                executors = yaml.safe_load(compiled)["deploymentSpec"]["executors"]
        images = {e["container"]["image"] for e in executors.values() if "container" in e}
        self.assertEqual(images, {"registry.example/tabx:9"})


if __name__ == "__main__":
    unittest.main()
