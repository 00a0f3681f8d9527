from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("workspaces", "0002_one_line_names"),
    ]

    operations = [
        migrations.AddField(
            model_name="workspace",
            name="calendar_token",
            field=models.CharField(blank=True, db_index=True, editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name="workspace",
            name="requires_approval",
            field=models.BooleanField(
                default=False,
                help_text="Editors submit posts; an owner, manager or client approves them first.",
                verbose_name="posts need approval",
            ),
        ),
    ]
