-- The answer cache's generation (src/web/answer_cache.c). Every change to a
-- table that a cached public answer reads (Open311 GET, the map's GeoJSON,
-- the Atom feed) bumps answer_generation.generation in the same transaction,
-- through triggers, so that every write path, today's and tomorrow's, and
-- every process on the same database invalidates the cached answers. A
-- serving process reads the one row before each cacheable request and uses
-- a cached answer only when it was built at the same generation.
--
-- The triggers differ between the dialects (the sqlite and pg blocks below,
-- see migrate.c). SQLite has one writer at a time, so its row triggers bump
-- at once. On PostgreSQL the bump is deferred to the commit (constraint
-- triggers): a writer then locks the generation row only while it commits,
-- after all its other row locks, so two writers cannot deadlock on it.
CREATE TABLE answer_generation (
	id INTEGER PRIMARY KEY CHECK (id = 1),
	generation BIGINT NOT NULL
);
INSERT INTO answer_generation (id, generation) VALUES (1, 1);

{{sqlite}}
CREATE TRIGGER reports_answer_insert AFTER INSERT ON reports BEGIN
	UPDATE answer_generation SET generation = generation + 1 WHERE id = 1;
END;
CREATE TRIGGER reports_answer_update AFTER UPDATE ON reports BEGIN
	UPDATE answer_generation SET generation = generation + 1 WHERE id = 1;
END;
CREATE TRIGGER reports_answer_delete AFTER DELETE ON reports BEGIN
	UPDATE answer_generation SET generation = generation + 1 WHERE id = 1;
END;
CREATE TRIGGER report_updates_answer_insert AFTER INSERT ON report_updates BEGIN
	UPDATE answer_generation SET generation = generation + 1 WHERE id = 1;
END;
CREATE TRIGGER report_updates_answer_update AFTER UPDATE ON report_updates BEGIN
	UPDATE answer_generation SET generation = generation + 1 WHERE id = 1;
END;
CREATE TRIGGER report_updates_answer_delete AFTER DELETE ON report_updates BEGIN
	UPDATE answer_generation SET generation = generation + 1 WHERE id = 1;
END;
CREATE TRIGGER report_photos_answer_insert AFTER INSERT ON report_photos BEGIN
	UPDATE answer_generation SET generation = generation + 1 WHERE id = 1;
END;
CREATE TRIGGER report_photos_answer_update AFTER UPDATE ON report_photos BEGIN
	UPDATE answer_generation SET generation = generation + 1 WHERE id = 1;
END;
CREATE TRIGGER report_photos_answer_delete AFTER DELETE ON report_photos BEGIN
	UPDATE answer_generation SET generation = generation + 1 WHERE id = 1;
END;
CREATE TRIGGER report_values_answer_insert AFTER INSERT ON report_values BEGIN
	UPDATE answer_generation SET generation = generation + 1 WHERE id = 1;
END;
CREATE TRIGGER report_values_answer_update AFTER UPDATE ON report_values BEGIN
	UPDATE answer_generation SET generation = generation + 1 WHERE id = 1;
END;
CREATE TRIGGER report_values_answer_delete AFTER DELETE ON report_values BEGIN
	UPDATE answer_generation SET generation = generation + 1 WHERE id = 1;
END;
CREATE TRIGGER report_categories_answer_insert AFTER INSERT ON report_categories BEGIN
	UPDATE answer_generation SET generation = generation + 1 WHERE id = 1;
END;
CREATE TRIGGER report_categories_answer_update AFTER UPDATE ON report_categories BEGIN
	UPDATE answer_generation SET generation = generation + 1 WHERE id = 1;
END;
CREATE TRIGGER report_categories_answer_delete AFTER DELETE ON report_categories BEGIN
	UPDATE answer_generation SET generation = generation + 1 WHERE id = 1;
END;
CREATE TRIGGER report_attributes_answer_insert AFTER INSERT ON report_attributes BEGIN
	UPDATE answer_generation SET generation = generation + 1 WHERE id = 1;
END;
CREATE TRIGGER report_attributes_answer_update AFTER UPDATE ON report_attributes BEGIN
	UPDATE answer_generation SET generation = generation + 1 WHERE id = 1;
END;
CREATE TRIGGER report_attributes_answer_delete AFTER DELETE ON report_attributes BEGIN
	UPDATE answer_generation SET generation = generation + 1 WHERE id = 1;
END;
CREATE TRIGGER report_units_answer_insert AFTER INSERT ON report_units BEGIN
	UPDATE answer_generation SET generation = generation + 1 WHERE id = 1;
END;
CREATE TRIGGER report_units_answer_update AFTER UPDATE ON report_units BEGIN
	UPDATE answer_generation SET generation = generation + 1 WHERE id = 1;
END;
CREATE TRIGGER report_units_answer_delete AFTER DELETE ON report_units BEGIN
	UPDATE answer_generation SET generation = generation + 1 WHERE id = 1;
END;
CREATE TRIGGER areas_answer_insert AFTER INSERT ON areas BEGIN
	UPDATE answer_generation SET generation = generation + 1 WHERE id = 1;
END;
CREATE TRIGGER areas_answer_update AFTER UPDATE ON areas BEGIN
	UPDATE answer_generation SET generation = generation + 1 WHERE id = 1;
END;
CREATE TRIGGER areas_answer_delete AFTER DELETE ON areas BEGIN
	UPDATE answer_generation SET generation = generation + 1 WHERE id = 1;
END;
CREATE TRIGGER settings_answer_insert AFTER INSERT ON settings BEGIN
	UPDATE answer_generation SET generation = generation + 1 WHERE id = 1;
END;
CREATE TRIGGER settings_answer_update AFTER UPDATE ON settings BEGIN
	UPDATE answer_generation SET generation = generation + 1 WHERE id = 1;
END;
CREATE TRIGGER settings_answer_delete AFTER DELETE ON settings BEGIN
	UPDATE answer_generation SET generation = generation + 1 WHERE id = 1;
END;
{{/sqlite}}
{{pg}}
CREATE FUNCTION answer_generation_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	UPDATE answer_generation SET generation = generation + 1 WHERE id = 1;
	RETURN NULL;
END
$$;
CREATE CONSTRAINT TRIGGER reports_answer AFTER INSERT OR UPDATE OR DELETE ON reports
	DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION answer_generation_bump();
CREATE TRIGGER reports_answer_truncate AFTER TRUNCATE ON reports FOR EACH STATEMENT EXECUTE FUNCTION answer_generation_bump();
CREATE CONSTRAINT TRIGGER report_updates_answer AFTER INSERT OR UPDATE OR DELETE ON report_updates
	DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION answer_generation_bump();
CREATE TRIGGER report_updates_answer_truncate AFTER TRUNCATE ON report_updates FOR EACH STATEMENT EXECUTE FUNCTION answer_generation_bump();
CREATE CONSTRAINT TRIGGER report_photos_answer AFTER INSERT OR UPDATE OR DELETE ON report_photos
	DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION answer_generation_bump();
CREATE TRIGGER report_photos_answer_truncate AFTER TRUNCATE ON report_photos FOR EACH STATEMENT EXECUTE FUNCTION answer_generation_bump();
CREATE CONSTRAINT TRIGGER report_values_answer AFTER INSERT OR UPDATE OR DELETE ON report_values
	DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION answer_generation_bump();
CREATE TRIGGER report_values_answer_truncate AFTER TRUNCATE ON report_values FOR EACH STATEMENT EXECUTE FUNCTION answer_generation_bump();
CREATE CONSTRAINT TRIGGER report_categories_answer AFTER INSERT OR UPDATE OR DELETE ON report_categories
	DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION answer_generation_bump();
CREATE TRIGGER report_categories_answer_truncate AFTER TRUNCATE ON report_categories FOR EACH STATEMENT EXECUTE FUNCTION answer_generation_bump();
CREATE CONSTRAINT TRIGGER report_attributes_answer AFTER INSERT OR UPDATE OR DELETE ON report_attributes
	DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION answer_generation_bump();
CREATE TRIGGER report_attributes_answer_truncate AFTER TRUNCATE ON report_attributes FOR EACH STATEMENT EXECUTE FUNCTION answer_generation_bump();
CREATE CONSTRAINT TRIGGER report_units_answer AFTER INSERT OR UPDATE OR DELETE ON report_units
	DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION answer_generation_bump();
CREATE TRIGGER report_units_answer_truncate AFTER TRUNCATE ON report_units FOR EACH STATEMENT EXECUTE FUNCTION answer_generation_bump();
CREATE CONSTRAINT TRIGGER areas_answer AFTER INSERT OR UPDATE OR DELETE ON areas
	DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION answer_generation_bump();
CREATE TRIGGER areas_answer_truncate AFTER TRUNCATE ON areas FOR EACH STATEMENT EXECUTE FUNCTION answer_generation_bump();
CREATE CONSTRAINT TRIGGER settings_answer AFTER INSERT OR UPDATE OR DELETE ON settings
	DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION answer_generation_bump();
CREATE TRIGGER settings_answer_truncate AFTER TRUNCATE ON settings FOR EACH STATEMENT EXECUTE FUNCTION answer_generation_bump();
{{/pg}}
