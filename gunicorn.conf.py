# gunicorn picks this file up from the working directory. Access log lines go through the
# same redaction as the development server's, so personal links never reach a log file.
import logging

from maturity.logs import RedactLinks

accesslog = "-"


def on_starting(server):
    logging.getLogger("gunicorn.access").addFilter(RedactLinks())
