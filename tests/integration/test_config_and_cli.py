"""Configuration safety and the users command."""
import pytest

from config import ProductionConfig


def test_production_refuses_to_start_without_secret_key(tmp_path):
    from helpdesk import create_app

    class NoSecret(ProductionConfig):
        SECRET_KEY = None

    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(NoSecret, INSTANCE_PATH=str(tmp_path))


def test_default_database_is_sqlite_in_the_instance_folder(tmp_path):
    from helpdesk import create_app

    class Prod(ProductionConfig):
        SECRET_KEY = "x" * 32
        SQLALCHEMY_DATABASE_URI = ""

    app = create_app(Prod, INSTANCE_PATH=str(tmp_path / "inst"))
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "sqlite:///" + str(tmp_path / "inst" / "helpdesk.db")
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_users_create_command(app, runner):
    from helpdesk.auth.service import authenticate
    from helpdesk.models import utcnow

    result = runner.invoke(args=["users", "create", "--email", "Nina@Example.com", "--role", "lead", "--password", "a long password"])
    assert result.exit_code == 0, result.output
    assert "created lead nina@example.com" in result.output
    with app.app_context():
        assert authenticate("nina@example.com", "a long password", utcnow()).role == "lead"


def test_users_create_command_reports_bad_input(runner):
    result = runner.invoke(args=["users", "create", "--email", "nope", "--role", "agent", "--password", "a long password"])
    assert result.exit_code != 0
    assert "email" in result.output
    result = runner.invoke(args=["users", "create", "--email", "x@example.com", "--role", "pilot", "--password", "pw"])
    assert result.exit_code != 0
