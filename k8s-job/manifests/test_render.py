"""Checks of render.py's Jobs (run by .ci/run: python3 -m unittest discover k8s-job/manifests).
kubernetes-validate --strict checks them against Kubernetes 1.31's schema."""

import unittest

import render


class RenderTest(unittest.TestCase):
    def setUp(self):
        self.jobs = dict(render.render("s3://b/taxi/", "s3://b/taxi/data/*.csv", "tabx:0.1.0", 4, "creds", "tabx"))

    def test_sharded_steps_are_indexed_jobs_that_write_partials(self):
        for name in ["02-stats", "06-transform-fit", "11-evaluate"]:
            spec = self.jobs[name]["spec"]
            self.assertEqual((spec["completionMode"], spec["completions"], spec["backoffLimitPerIndex"]), ("Indexed", 4, 2))
            args = spec["template"]["spec"]["containers"][0]["args"]
            self.assertIn("auto/4", args)
            self.assertIn("--partial", args)
            self.assertTrue(args[-1].endswith("/part-$(JOB_COMPLETION_INDEX).partial"), args)
        # Each partial glob read by a merge is the one its step writes.
        self.assertEqual(self.jobs["03-stats-merge"]["spec"]["template"]["spec"]["containers"][0]["args"][1],
                         "s3://b/taxi/stats/part-*.partial")

    def test_single_pod_steps_are_plain_jobs(self):
        spec = self.jobs["04-schema"]["spec"]
        self.assertNotIn("completionMode", spec)
        self.assertEqual(spec["backoffLimit"], 2)

    def test_pods_meet_pod_security_restricted(self):
        for name, job in self.jobs.items():
            pod = job["spec"]["template"]["spec"]
            c = pod["containers"][0]["securityContext"]
            self.assertEqual((c["runAsNonRoot"], c["allowPrivilegeEscalation"], c["readOnlyRootFilesystem"]), (True, False, True), name)
            self.assertEqual(c["capabilities"]["drop"], ["ALL"], name)
            self.assertEqual(pod["securityContext"]["seccompProfile"]["type"], "RuntimeDefault", name)
            self.assertIn({"name": "tmp", "mountPath": "/tmp"}, pod["containers"][0]["volumeMounts"], name)
            # Credentials only from the Secret, never in arguments.
            self.assertEqual(pod["containers"][0]["envFrom"], [{"secretRef": {"name": "creds", "optional": True}}])
            self.assertFalse(any("AWS_" in a or "SECRET" in a for a in pod["containers"][0]["args"]), name)


if __name__ == "__main__":
    unittest.main()
