"""The TFX taxi-fare workflow as a Kubeflow Pipelines v2 pipeline of tabx
container components (one per step), compiled offline:

    python3 k8s-job/kfp/pipeline.py -o taxi_pipeline.yaml   # then upload it to KFP

Artifacts are typed for the KFP UI: data as system.Dataset, statistics,
schema, anomalies and transform as system.Artifact, each step's figures as
system.Metrics (tabx --kfp-metrics / --kfp-executor-input '{{$}}'), the report
as system.HTML. KFP's launcher moves artifacts between the bucket and the
paths it passes; tabx writes every folder it needs (the image has no shell).
The last step is TFX's Pusher: `tabx push` copies the model and its
transform to the serving folder only when the evaluation left BLESSED (the
blessing gates the push; `pushed` 0/1 is in its Metrics). Steps run as one
pod each here; sharding a step over pods is the Kubernetes Jobs' job
(k8s-job/manifests: Indexed Jobs and a merge).
Validation and evaluation run with --findings-exit-zero: anomalies and
NOT_BLESSED are in their artifacts, not a failed step (as in TFX).
"""

import argparse

from kfp import compiler, dsl

IMAGE = "tabx:0.1.0"
# KFP's executor input: tabx writes the step's figures into the metadata of its Metrics output.
EXECUTOR_INPUT = "{{$}}"


def build(image=IMAGE):
    """The taxi pipeline with every component running `image`: KFP fixes a
    container component's image when it is defined, so they are defined here."""

    def tabx(*args):
        # No command: the image's entrypoint (/bin/tabx) runs, as in the Jobs.
        # Every step writes KFP's executor output (its output artifacts, the
        # Metrics with the step's figures): kfp.local reads outputs from it.
        return dsl.ContainerSpec(image=image, args=[*args, "--kfp-executor-input", EXECUTOR_INPUT])


    @dsl.container_component
    def split(data: dsl.Input[dsl.Dataset], splits: dsl.Output[dsl.Dataset]):
        """TFX ExampleGen: train=2, eval=1 hash buckets → splits/{train,eval}.parquet."""
        return tabx("split", data.path, "--ratio", "train=2,eval=1", "-o", splits.path)


    @dsl.container_component
    def stats(splits: dsl.Input[dsl.Dataset], name: str, statistics: dsl.Output[dsl.Artifact], metrics: dsl.Output[dsl.Metrics]):
        """TFX StatisticsGen on one split."""
        return tabx("stats", dsl.ConcatPlaceholder([splits.path, "/", name, ".parquet"]), "-o", statistics.path,
                    "--kfp-metrics", metrics.path)


    @dsl.container_component
    def schema(statistics: dsl.Input[dsl.Artifact], schema: dsl.Output[dsl.Artifact]):
        """TFX SchemaGen."""
        return tabx("schema", "infer", statistics.path, "-o", schema.path)


    @dsl.container_component
    def validate(statistics: dsl.Input[dsl.Artifact], previous: dsl.Input[dsl.Artifact], schema: dsl.Input[dsl.Artifact],
                 anomalies: dsl.Output[dsl.Artifact], metrics: dsl.Output[dsl.Metrics]):
        """TFX ExampleValidator: eval statistics against the schema and against train (drift)."""
        return tabx("validate", "--findings-exit-zero", "--stats", statistics.path, "--previous", previous.path, "--schema", schema.path,
                    "-o", anomalies.path, "--kfp-metrics", metrics.path)


    @dsl.container_component
    def transform_fit(splits: dsl.Input[dsl.Dataset], spec: dsl.Input[dsl.Artifact], transform: dsl.Output[dsl.Artifact]):
        """TFX Transform's analyze phase on train."""
        return tabx("transform", "fit", dsl.ConcatPlaceholder([splits.path, "/train.parquet"]), "--spec", spec.path,
                    "-o", transform.path)


    @dsl.container_component
    def train(splits: dsl.Input[dsl.Dataset], transform: dsl.Input[dsl.Artifact], model: dsl.Output[dsl.Model]):
        """TFX Trainer: ridge regression of the fare on the transformed features."""
        return tabx("train", dsl.ConcatPlaceholder([splits.path, "/train.parquet"]), "--transform", transform.path,
                    "--label", "fare", "--kind", "linear", "-o", model.path)


    @dsl.container_component
    def predict(splits: dsl.Input[dsl.Dataset], transform: dsl.Input[dsl.Artifact], model: dsl.Input[dsl.Model],
                predictions: dsl.Output[dsl.Dataset]):
        """Batch predictions on eval (raw rows → transform → model)."""
        return tabx("predict", dsl.ConcatPlaceholder([splits.path, "/eval.parquet"]), "--transform", transform.path,
                    "--model", model.path, "-o", dsl.ConcatPlaceholder([predictions.path, "/predictions.parquet"]))


    @dsl.container_component
    def evaluate(predictions: dsl.Input[dsl.Dataset], config: dsl.Input[dsl.Artifact], evaluation: dsl.Output[dsl.Artifact],
                 blessing: dsl.Output[dsl.Artifact], metrics: dsl.Output[dsl.Metrics]):
        """TFX Evaluator: sliced metrics, confidence intervals, thresholds → blessing."""
        return tabx("evaluate", "--findings-exit-zero", dsl.ConcatPlaceholder([predictions.path, "/predictions.parquet"]), "--config", config.path,
                    "-o", evaluation.path, "--blessing", blessing.path,
                    "--kfp-metrics", metrics.path)


    @dsl.container_component
    def push(model: dsl.Input[dsl.Model], transform: dsl.Input[dsl.Artifact], blessing: dsl.Input[dsl.Artifact],
             pushed_model: dsl.Output[dsl.Model], metrics: dsl.Output[dsl.Metrics]):
        """TFX Pusher: the model and its transform to serving, only if BLESSED."""
        return tabx("push", "--findings-exit-zero", "--model", model.path, "--transform", transform.path,
                    "--blessing", blessing.path, "-o", pushed_model.path,
                    "--kfp-metrics", metrics.path)


    @dsl.container_component
    def report(statistics: dsl.Input[dsl.Artifact], baseline: dsl.Input[dsl.Artifact], schema: dsl.Input[dsl.Artifact],
               anomalies: dsl.Input[dsl.Artifact], transform: dsl.Input[dsl.Artifact], evaluation: dsl.Input[dsl.Artifact],
               page: dsl.Output[dsl.HTML]):
        """The HTML report of every artifact, shown by the KFP UI."""
        return tabx("report", "--stats", statistics.path, "--baseline", baseline.path, "--schema", schema.path,
                    "--anomalies", anomalies.path, "--transform", transform.path, "--eval", evaluation.path,
                    "-o", page.path)


    @dsl.pipeline(name="tabx-taxi", description="The TFX Chicago taxi-fare workflow with tabx")
    def taxi_pipeline(data_uri: str, spec_uri: str, eval_config_uri: str):
        data = dsl.importer(artifact_uri=data_uri, artifact_class=dsl.Dataset, reimport=False)
        spec = dsl.importer(artifact_uri=spec_uri, artifact_class=dsl.Artifact, reimport=False).set_display_name("spec")
        config = dsl.importer(artifact_uri=eval_config_uri, artifact_class=dsl.Artifact, reimport=False).set_display_name("eval-config")
        splits = split(data=data.output)
        train_stats = stats(splits=splits.outputs["splits"], name="train").set_display_name("stats-train")
        eval_stats = stats(splits=splits.outputs["splits"], name="eval").set_display_name("stats-eval")
        inferred = schema(statistics=train_stats.outputs["statistics"])
        checked = validate(statistics=eval_stats.outputs["statistics"], previous=train_stats.outputs["statistics"],
                           schema=inferred.outputs["schema"])
        fitted = transform_fit(splits=splits.outputs["splits"], spec=spec.output)
        model = train(splits=splits.outputs["splits"], transform=fitted.outputs["transform"])
        scored = predict(splits=splits.outputs["splits"], transform=fitted.outputs["transform"], model=model.outputs["model"])
        evaluated = evaluate(predictions=scored.outputs["predictions"], config=config.output)
        push(model=model.outputs["model"], transform=fitted.outputs["transform"], blessing=evaluated.outputs["blessing"])
        report(statistics=eval_stats.outputs["statistics"], baseline=train_stats.outputs["statistics"],
               schema=inferred.outputs["schema"], anomalies=checked.outputs["anomalies"],
               transform=fitted.outputs["transform"], evaluation=evaluated.outputs["evaluation"])

    return taxi_pipeline


taxi_pipeline = build()


def main():
    p = argparse.ArgumentParser(description="Compile the tabx taxi pipeline to KFP v2 IR YAML.")
    p.add_argument("-o", "--output", default="taxi_pipeline.yaml")
    p.add_argument("--image", default=IMAGE)
    a = p.parse_args()
    compiler.Compiler().compile(build(a.image), a.output)
    print(f"wrote {a.output}")


if __name__ == "__main__":
    main()
