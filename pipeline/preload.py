"""What the worker pool's fork server imports before it forks any worker (see :mod:`pipeline.warm`).

Kept apart from :mod:`pipeline.batch` so that ``lianfang check`` can start the fork server before
it imports the batch machinery itself: the two start-ups then overlap instead of adding up.
"""

# missing modules are skipped; last: pipeline.warm runs one small unit so that workers start warm
MODULES = ("pipeline.batch", "pipeline.api", "pipeline.parse.docx", "pipeline.parse.pdf", "pipeline.parse.xlsx",
           "pipeline.parse.text", "pipeline.segment", "pipeline.extract", "pipeline.link",
           "pipeline.checks", "pipeline.graph", "pipeline.report.view", "pipeline.report.html",
           "pipeline.report.xlsx", "jinja2", "xlsxwriter", "pipeline.warm")
