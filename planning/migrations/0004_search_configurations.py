"""The text search configurations good practices are indexed under: French and English, each
after ``unaccent`` so that accents do not matter; and an immutable function writing an array of
tags as one text, which a generated column may call (``array_to_string`` is only stable)."""

from django.contrib.postgres.operations import UnaccentExtension
from django.db import migrations

FORWARD = """
CREATE TEXT SEARCH CONFIGURATION kam_french ( COPY = pg_catalog.french );
ALTER TEXT SEARCH CONFIGURATION kam_french
    ALTER MAPPING FOR hword, hword_part, word WITH unaccent, french_stem;
CREATE TEXT SEARCH CONFIGURATION kam_english ( COPY = pg_catalog.english );
ALTER TEXT SEARCH CONFIGURATION kam_english
    ALTER MAPPING FOR hword, hword_part, word WITH unaccent, english_stem;
CREATE FUNCTION kam_tags_text(text[]) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT coalesce(array_to_string($1, ' '), '') $$;
"""

BACKWARD = """
DROP FUNCTION IF EXISTS kam_tags_text(text[]);
DROP TEXT SEARCH CONFIGURATION IF EXISTS kam_english;
DROP TEXT SEARCH CONFIGURATION IF EXISTS kam_french;
"""


class Migration(migrations.Migration):
    dependencies = [("planning", "0003_history_events_stamped_when_made")]

    operations = [UnaccentExtension(), migrations.RunSQL(FORWARD, BACKWARD)]
