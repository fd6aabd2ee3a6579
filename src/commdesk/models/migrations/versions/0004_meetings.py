"""meetings: meetings and attendance, consultations and their stages, checklist items and progress, attachments

Revision ID: 0004
Revises: 0003
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('attachment',
    sa.Column('owner_table', sa.String(length=30), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('original_name', sa.String(length=255), nullable=False),
    sa.Column('stored_name', sa.String(length=255), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uuid', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.Column('updated_at', sa.DateTime(), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.Column('updated_by', sa.String(length=64), server_default='system', nullable=False),
    sa.Column('archived_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attachment')),
    sa.UniqueConstraint('uuid', name=op.f('uq_attachment_uuid'))
    )
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.create_index('ix_attachment_owner', ['owner_table', 'owner_id'], unique=False)

    op.create_table('meeting',
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=True),
    sa.Column('group_id', sa.Integer(), nullable=True),
    sa.Column('topic', sa.String(length=200), nullable=False),
    sa.Column('start_at', sa.DateTime(), nullable=False),
    sa.Column('end_at', sa.DateTime(), nullable=True),
    sa.Column('place', sa.String(length=200), nullable=False),
    sa.Column('host', sa.String(length=50), nullable=False),
    sa.Column('recorder', sa.String(length=50), nullable=False),
    sa.Column('guests', sa.Text(), nullable=False),
    sa.Column('agenda', sa.Text(), nullable=False),
    sa.Column('minutes', sa.Text(), nullable=False),
    sa.Column('votes', sa.Text(), nullable=False),
    sa.Column('resolutions', sa.Text(), nullable=False),
    sa.Column('pending', sa.Text(), nullable=False),
    sa.Column('expected', sa.Integer(), nullable=False),
    sa.Column('present', sa.Integer(), nullable=False),
    sa.Column('voting_expected', sa.Integer(), nullable=False),
    sa.Column('voting_present', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uuid', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.Column('updated_at', sa.DateTime(), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.Column('updated_by', sa.String(length=64), server_default='system', nullable=False),
    sa.Column('archived_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['group_id'], ['party_org.id'], name=op.f('fk_meeting_group_id_party_org')),
    sa.ForeignKeyConstraint(['org_id'], ['party_org.id'], name=op.f('fk_meeting_org_id_party_org')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting')),
    sa.UniqueConstraint('uuid', name=op.f('uq_meeting_uuid'))
    )
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_group_id'), ['group_id'], unique=False)
        batch_op.create_index('ix_meeting_kind_start', ['kind', 'start_at'], unique=False)
        batch_op.create_index('ix_meeting_org_start', ['org_id', 'start_at'], unique=False)

    op.create_table('meeting_attendee',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('status', sa.String(length=4), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('voting', sa.Boolean(), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], name=op.f('fk_meeting_attendee_meeting_id_meeting')),
    sa.ForeignKeyConstraint(['member_id'], ['party_member.id'], name=op.f('fk_meeting_attendee_member_id_party_member')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_attendee'))
    )
    with op.batch_alter_table('meeting_attendee', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_attendee_meeting_id'), ['meeting_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_meeting_attendee_member_id'), ['member_id'], unique=False)

    op.create_table('consultation',
    sa.Column('topic', sa.String(length=200), nullable=False),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('source_visit_id', sa.Integer(), nullable=True),
    sa.Column('source_meeting_id', sa.Integer(), nullable=True),
    sa.Column('proposer', sa.String(length=100), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=True),
    sa.Column('place', sa.String(length=200), nullable=False),
    sa.Column('form', sa.String(length=50), nullable=False),
    sa.Column('host', sa.String(length=50), nullable=False),
    sa.Column('expected', sa.Integer(), nullable=False),
    sa.Column('present', sa.Integer(), nullable=False),
    sa.Column('background', sa.Text(), nullable=False),
    sa.Column('process', sa.Text(), nullable=False),
    sa.Column('votes_for', sa.Integer(), nullable=True),
    sa.Column('votes_against', sa.Integer(), nullable=True),
    sa.Column('votes_abstain', sa.Integer(), nullable=True),
    sa.Column('outcome', sa.String(length=6), nullable=False),
    sa.Column('decision', sa.Text(), nullable=False),
    sa.Column('executor', sa.String(length=100), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('result', sa.Text(), nullable=False),
    sa.Column('result_date', sa.Date(), nullable=True),
    sa.Column('decision_published_on', sa.Date(), nullable=True),
    sa.Column('decision_published_how', sa.String(length=100), nullable=False),
    sa.Column('result_published_on', sa.Date(), nullable=True),
    sa.Column('result_published_how', sa.String(length=100), nullable=False),
    sa.Column('satisfaction', sa.String(length=6), nullable=False),
    sa.Column('satisfaction_note', sa.Text(), nullable=False),
    sa.Column('staged', sa.Boolean(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uuid', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.Column('updated_at', sa.DateTime(), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.Column('updated_by', sa.String(length=64), server_default='system', nullable=False),
    sa.Column('archived_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['source_meeting_id'], ['meeting.id'], name=op.f('fk_consultation_source_meeting_id_meeting')),
    sa.ForeignKeyConstraint(['source_visit_id'], ['visit.id'], name=op.f('fk_consultation_source_visit_id_visit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consultation')),
    sa.UniqueConstraint('uuid', name=op.f('uq_consultation_uuid'))
    )
    with op.batch_alter_table('consultation', schema=None) as batch_op:
        batch_op.create_index('ix_consultation_held_on', ['held_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_consultation_source_meeting_id'), ['source_meeting_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_consultation_source_visit_id'), ['source_visit_id'], unique=False)

    op.create_table('checklist_item',
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('category', sa.String(length=10), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('measures', sa.Text(), nullable=False),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('source_meeting_id', sa.Integer(), nullable=True),
    sa.Column('source_consultation_id', sa.Integer(), nullable=True),
    sa.Column('source_visit_id', sa.Integer(), nullable=True),
    sa.Column('source_ref', sa.String(length=200), nullable=False),
    sa.Column('responsible_unit', sa.String(length=100), nullable=False),
    sa.Column('responsible_person', sa.String(length=50), nullable=False),
    sa.Column('collaborators', sa.String(length=200), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=True),
    sa.Column('deadline', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=4), nullable=False),
    sa.Column('completed_on', sa.Date(), nullable=True),
    sa.Column('closed_on', sa.Date(), nullable=True),
    sa.Column('overdue_reason', sa.Text(), nullable=False),
    sa.Column('score', sa.Integer(), nullable=True),
    sa.Column('evaluation', sa.Text(), nullable=False),
    sa.Column('feedback', sa.Text(), nullable=False),
    sa.Column('satisfaction', sa.String(length=6), nullable=False),
    sa.Column('published_on', sa.Date(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uuid', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.Column('updated_at', sa.DateTime(), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.Column('updated_by', sa.String(length=64), server_default='system', nullable=False),
    sa.Column('archived_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['source_consultation_id'], ['consultation.id'], name=op.f('fk_checklist_item_source_consultation_id_consultation')),
    sa.ForeignKeyConstraint(['source_meeting_id'], ['meeting.id'], name=op.f('fk_checklist_item_source_meeting_id_meeting')),
    sa.ForeignKeyConstraint(['source_visit_id'], ['visit.id'], name=op.f('fk_checklist_item_source_visit_id_visit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_checklist_item')),
    sa.UniqueConstraint('uuid', name=op.f('uq_checklist_item_uuid'))
    )
    with op.batch_alter_table('checklist_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_checklist_item_source_consultation_id'), ['source_consultation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_checklist_item_source_meeting_id'), ['source_meeting_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_checklist_item_source_visit_id'), ['source_visit_id'], unique=False)
        batch_op.create_index('ix_checklist_item_status_deadline', ['status', 'deadline'], unique=False)

    op.create_table('consultation_participant',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('side', sa.String(length=10), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultation.id'], name=op.f('fk_consultation_participant_consultation_id_consultation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consultation_participant'))
    )
    with op.batch_alter_table('consultation_participant', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consultation_participant_consultation_id'), ['consultation_id'], unique=False)

    op.create_table('consultation_stage',
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('stage', sa.Integer(), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('form', sa.String(length=50), nullable=False),
    sa.Column('expected', sa.Integer(), nullable=True),
    sa.Column('present', sa.Integer(), nullable=True),
    sa.Column('votes_for', sa.Integer(), nullable=True),
    sa.Column('votes_against', sa.Integer(), nullable=True),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('passed', sa.Boolean(), nullable=True),
    sa.Column('officials', sa.String(length=200), nullable=False),
    sa.Column('supervision', sa.Text(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uuid', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.Column('updated_at', sa.DateTime(), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.Column('updated_by', sa.String(length=64), server_default='system', nullable=False),
    sa.Column('archived_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultation.id'], name=op.f('fk_consultation_stage_consultation_id_consultation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consultation_stage')),
    sa.UniqueConstraint('consultation_id', 'stage', name='uq_consultation_stage_step'),
    sa.UniqueConstraint('uuid', name=op.f('uq_consultation_stage_uuid'))
    )
    with op.batch_alter_table('consultation_stage', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consultation_stage_consultation_id'), ['consultation_id'], unique=False)

    op.create_table('checklist_progress',
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('entry_date', sa.Date(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('percent', sa.Integer(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uuid', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.Column('updated_at', sa.DateTime(), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.Column('updated_by', sa.String(length=64), server_default='system', nullable=False),
    sa.Column('archived_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['item_id'], ['checklist_item.id'], name=op.f('fk_checklist_progress_item_id_checklist_item')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_checklist_progress')),
    sa.UniqueConstraint('uuid', name=op.f('uq_checklist_progress_uuid'))
    )
    with op.batch_alter_table('checklist_progress', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_checklist_progress_item_id'), ['item_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('checklist_progress', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_checklist_progress_item_id'))

    op.drop_table('checklist_progress')
    with op.batch_alter_table('consultation_stage', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consultation_stage_consultation_id'))

    op.drop_table('consultation_stage')
    with op.batch_alter_table('consultation_participant', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consultation_participant_consultation_id'))

    op.drop_table('consultation_participant')
    with op.batch_alter_table('checklist_item', schema=None) as batch_op:
        batch_op.drop_index('ix_checklist_item_status_deadline')
        batch_op.drop_index(batch_op.f('ix_checklist_item_source_visit_id'))
        batch_op.drop_index(batch_op.f('ix_checklist_item_source_meeting_id'))
        batch_op.drop_index(batch_op.f('ix_checklist_item_source_consultation_id'))

    op.drop_table('checklist_item')
    with op.batch_alter_table('consultation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consultation_source_visit_id'))
        batch_op.drop_index(batch_op.f('ix_consultation_source_meeting_id'))
        batch_op.drop_index('ix_consultation_held_on')

    op.drop_table('consultation')
    with op.batch_alter_table('meeting_attendee', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_attendee_member_id'))
        batch_op.drop_index(batch_op.f('ix_meeting_attendee_meeting_id'))

    op.drop_table('meeting_attendee')
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.drop_index('ix_meeting_org_start')
        batch_op.drop_index('ix_meeting_kind_start')
        batch_op.drop_index(batch_op.f('ix_meeting_group_id'))

    op.drop_table('meeting')
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.drop_index('ix_attachment_owner')

    op.drop_table('attachment')
